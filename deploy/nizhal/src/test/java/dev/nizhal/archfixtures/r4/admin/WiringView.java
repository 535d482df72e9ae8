package dev.nizhal.archfixtures.r4.admin;

import dev.nizhal.archfixtures.r4.Nizhal;

/** Breaks R4: the console depends on the deploy builder in the root package. */
public final class WiringView {
    private final Nizhal nizhal;

    public WiringView(Nizhal nizhal) {
        this.nizhal = nizhal;
    }

    public String title() {
        return nizhal.name();
    }
}
