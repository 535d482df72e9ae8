package dev.nizhal.archfixtures.r11.ports.service;

/** A seam type, an interface: its own public members are allowed. */
@TestSeam
public interface PushHooks {
    PushHooks NONE = () -> {};

    void beforeCommit();
}
