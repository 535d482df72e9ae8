package dev.nizhal.archfixtures.r11.ports.service;

/** A seam type: its own public members (values, valueOf) are allowed. */
@TestSeam
public enum PullDefect {
    NONE,
    S_HI_PER_PAGE
}
