package dev.nizhal.archfixtures.r5.domain;

import java.time.Clock;

/** Breaks R5: takes the system clock instead of being given one. */
public final class CallsClockSystemUtc {
    public Clock clock() {
        return Clock.systemUTC();
    }
}
