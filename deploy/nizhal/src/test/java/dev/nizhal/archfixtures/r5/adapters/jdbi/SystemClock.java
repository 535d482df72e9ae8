package dev.nizhal.archfixtures.r5.adapters.jdbi;

import java.time.Instant;
import java.util.UUID;

/** Compliant with R5: adapters are where the system clock and randomness live. */
public final class SystemClock {
    public Instant now() {
        return Instant.now();
    }

    public UUID newId() {
        return UUID.randomUUID();
    }
}
