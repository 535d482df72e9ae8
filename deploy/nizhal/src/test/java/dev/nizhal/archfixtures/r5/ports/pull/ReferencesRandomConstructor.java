package dev.nizhal.archfixtures.r5.ports.pull;

import java.util.Random;
import java.util.function.Supplier;

/** Breaks R5 in ports, through a constructor reference rather than a call. */
public final class ReferencesRandomConstructor {
    public Supplier<Random> randomness() {
        return Random::new;
    }
}
