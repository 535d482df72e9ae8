package dev.nizhal.archfixtures.r6.domain;

/** Breaks R6: named for a vague role. */
public final class KeyUtils {
    private KeyUtils() {}
}
