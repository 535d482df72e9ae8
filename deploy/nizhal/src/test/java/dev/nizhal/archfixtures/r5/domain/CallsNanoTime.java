package dev.nizhal.archfixtures.r5.domain;

/** Breaks R5: reads the system's monotonic clock. */
public final class CallsNanoTime {
    public long stamp() {
        return System.nanoTime();
    }
}
