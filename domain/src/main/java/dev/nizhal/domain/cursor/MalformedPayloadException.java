package dev.nizhal.domain.cursor;

/**
 * A cursor payload that {@link PayloadWriter} could not have written. Checked, so that every place that reads a
 * payload must say what it does about it; without a stack trace, because it is an expected answer to bad input, not
 * a bug.
 */
final class MalformedPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedPayloadException(String message) {
        super(message, null, false, false);
    }
}
