package dev.nizhal.archfixtures.r5.domain;

import java.util.Random;

/** Breaks R5: creates its own randomness. */
public final class ConstructsRandom {
    public int pick() {
        return new Random().nextInt();
    }
}
