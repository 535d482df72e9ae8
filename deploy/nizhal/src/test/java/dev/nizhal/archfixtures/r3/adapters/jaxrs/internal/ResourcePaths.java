package dev.nizhal.archfixtures.r3.adapters.jaxrs.internal;

/** Compliant with R3: a sub-package of the same adapter is the same slice. */
public final class ResourcePaths {
    private ResourcePaths() {}

    public static String pull() {
        return "/sync/pull";
    }
}
