package dev.nizhal.archfixtures.r4;

/** The deploy builder in the root package. */
public final class Nizhal {
    public String name() {
        return "nizhal";
    }
}
