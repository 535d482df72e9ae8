package dev.nizhal.archfixtures.r5.domain;

import java.util.concurrent.ThreadLocalRandom;

/** Breaks R5: uses the ambient randomness. */
public final class CallsThreadLocalRandom {
    public int pick() {
        return ThreadLocalRandom.current().nextInt();
    }
}
