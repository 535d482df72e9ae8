package dev.nizhal.archfixtures.r6.ports.out;

/** Breaks R6: an abstract class inside the out package. */
public abstract class AbstractChangeLog implements ChangeLog {
    protected AbstractChangeLog() {}
}
