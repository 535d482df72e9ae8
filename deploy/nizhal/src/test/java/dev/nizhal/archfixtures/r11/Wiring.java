package dev.nizhal.archfixtures.r11;

/** Breaks R11 (b): production code in the hook's own package that calls it. */
public final class Wiring {
    public Nizhal nizhal() {
        return new Nizhal().changeServices(() -> {});
    }
}
