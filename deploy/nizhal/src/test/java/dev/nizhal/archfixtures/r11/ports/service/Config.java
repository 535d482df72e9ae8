package dev.nizhal.archfixtures.r11.ports.service;

/**
 * Allowed (named in the report only as the target of the offenders' calls): the seams behind package-private wiring,
 * an enabling setter and an accessor that only the package sees.
 */
public final class Config {
    private PullDefect pullDefect = PullDefect.NONE;

    @TestSeam
    Config pullDefect(PullDefect value) {
        this.pullDefect = value;
        return this;
    }

    PullDefect pullDefect() {
        return pullDefect;
    }
}
