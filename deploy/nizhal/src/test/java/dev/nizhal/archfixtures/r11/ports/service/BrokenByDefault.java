package dev.nizhal.archfixtures.r11.ports.service;

/** Breaks R11 (b): production code that calls an enabling member. */
public final class BrokenByDefault {
    public Config config() {
        return new Config().pullDefect(PullDefect.S_HI_PER_PAGE);
    }
}
