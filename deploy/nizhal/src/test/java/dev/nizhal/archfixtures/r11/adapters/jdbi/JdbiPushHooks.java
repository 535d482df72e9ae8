package dev.nizhal.archfixtures.r11.adapters.jdbi;

import dev.nizhal.archfixtures.r11.ports.service.PushHooks;

/** Breaks R11 (c): an adapter that implements a seam type of another package. */
public final class JdbiPushHooks implements PushHooks {
    @Override
    public void beforeCommit() {}
}
