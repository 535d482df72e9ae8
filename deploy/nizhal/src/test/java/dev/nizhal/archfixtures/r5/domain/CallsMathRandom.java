package dev.nizhal.archfixtures.r5.domain;

/** Breaks R5: uses the ambient randomness. */
public final class CallsMathRandom {
    public double pick() {
        return Math.random();
    }
}
