package dev.nizhal.archfixtures.r5.domain;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.UUID;

/** Compliant with R5: reads the clock it is given, derives ids deterministically. */
public final class ReadsTheGivenClock {
    private final Clock clock;

    public ReadsTheGivenClock(Clock clock) {
        this.clock = clock;
    }

    public Instant now() {
        return Instant.now(clock);
    }

    public LocalDate today() {
        return LocalDate.now(clock);
    }

    public Date asDate() {
        return new Date(clock.millis());
    }

    public UUID idFor(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }
}
