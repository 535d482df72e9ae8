package dev.nizhal.archfixtures.r5.domain;

/** Breaks R5: reads the system clock. */
public final class CallsCurrentTimeMillis {
    public long stamp() {
        return System.currentTimeMillis();
    }
}
