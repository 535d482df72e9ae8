package dev.nizhal.archfixtures.r10.domain.error;

/** This fixture's exception root, at the place R6 and R10 expect it relative to the fixture root. */
public class SyncException extends RuntimeException {
    public SyncException(String message) {
        super(message);
    }
}
