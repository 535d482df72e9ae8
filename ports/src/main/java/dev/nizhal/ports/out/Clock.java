package dev.nizhal.ports.out;

import java.time.Instant;

/** The time, from outside the domain, so tests control it. */
@FunctionalInterface
public interface Clock {
    Instant now();
}
