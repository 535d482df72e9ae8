package dev.nizhal.archfixtures.r6.adapters.jdbi;

/** Breaks R6: named for the pattern, not for what it is. */
public interface ChangeLogPort {
    void read();
}
