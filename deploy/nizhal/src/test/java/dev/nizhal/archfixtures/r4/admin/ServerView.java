package dev.nizhal.archfixtures.r4.admin;

import dev.nizhal.archfixtures.r4.server.ServerSettings;

/** Breaks R4: the console depends on deploy/server. */
public final class ServerView {
    private final ServerSettings settings;

    public ServerView(ServerSettings settings) {
        this.settings = settings;
    }

    public int port() {
        return settings.port();
    }
}
