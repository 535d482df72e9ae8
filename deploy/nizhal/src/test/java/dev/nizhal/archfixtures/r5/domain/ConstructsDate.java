package dev.nizhal.archfixtures.r5.domain;

import java.util.Date;

/** Breaks R5: new Date() reads the system clock. */
public final class ConstructsDate {
    public Date stamp() {
        return new Date();
    }
}
