package dev.nizhal.archfixtures.r11.ports.service;

/** Allowed: reads the seam in its own package, through package-private members, and exposes none. */
public final class PullService {
    private final Config config;

    public PullService(Config config) {
        this.config = config;
    }

    public int limit() {
        return config.pullDefect() == PullDefect.S_HI_PER_PAGE ? 1 : 1000;
    }

    boolean broken(PullDefect defect) {
        return config.pullDefect() == defect;
    }
}
