package dev.nizhal.archfixtures.r6.adapters.json;

/** Breaks R6: named for a vague role. */
public final class JsonHelper {
    private JsonHelper() {}
}
