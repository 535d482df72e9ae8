package dev.nizhal.archfixtures.r5.ports.pull;

import java.time.Instant;
import java.util.function.Supplier;

/** Breaks R5 in ports, through a method reference rather than a call. */
public final class ReferencesInstantNow {
    public Supplier<Instant> clock() {
        return Instant::now;
    }
}
