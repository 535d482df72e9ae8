package dev.nizhal.archfixtures.r7.ports.pull;

import dev.nizhal.archfixtures.r7.ports.in.PullChanges;

/** Compliant with R7: the public factory, which implements no port itself. */
public final class PullServices {
    private PullServices() {}

    public static PullChanges create() {
        return new PullService();
    }
}
