package dev.nizhal.archfixtures.r4.server;

/** A deploy/server class. */
public record ServerSettings(int port) {}
