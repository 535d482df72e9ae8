package dev.nizhal.archfixtures.r11.ports.service;

/** Allowed: public members of a package-private class are not API. */
final class HiddenHooks {
    public PushHooks hooks() {
        return PushHooks.NONE;
    }
}
