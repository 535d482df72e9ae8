package dev.nizhal.archfixtures.r10.domain;

/** Breaks R10: a checked exception outside the SyncException hierarchy. */
public class CheckedProblem extends Exception {
    public CheckedProblem(String message) {
        super(message);
    }
}
