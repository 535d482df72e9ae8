package dev.nizhal.archfixtures.r10.adapters.jdbi;

/** Breaks R10: an exception outside the SyncException hierarchy. */
public class JdbiFailure extends RuntimeException {
    public JdbiFailure(String message) {
        super(message);
    }
}
