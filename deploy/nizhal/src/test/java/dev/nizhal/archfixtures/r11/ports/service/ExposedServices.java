package dev.nizhal.archfixtures.r11.ports.service;

import java.util.List;

/** Breaks R11 (a): public members that take, return or hold a seam type, so any production jar could enable it. */
public final class ExposedServices {
    public static PushHooks defaultHooks = PushHooks.NONE;

    public List<PullDefect> knownDefects() {
        return List.of(PullDefect.values());
    }

    public static Config withHooks(PushHooks hooks) {
        return new Config();
    }
}
