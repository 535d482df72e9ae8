package dev.nizhal.archfixtures.r6.ports.in;

import dev.nizhal.archfixtures.r6.domain.error.SyncException;

/** Compliant with R6: a port's own failure, extending SyncException. */
public class PullRejected extends SyncException {
    public PullRejected(String message) {
        super(message);
    }
}
