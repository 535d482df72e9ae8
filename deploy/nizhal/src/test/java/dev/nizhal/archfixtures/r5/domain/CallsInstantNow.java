package dev.nizhal.archfixtures.r5.domain;

import java.time.Instant;

/** Breaks R5: reads the system clock. */
public final class CallsInstantNow {
    public Instant stamp() {
        return Instant.now();
    }
}
