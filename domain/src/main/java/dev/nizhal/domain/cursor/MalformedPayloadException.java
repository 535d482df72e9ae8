package dev.nizhal.domain.cursor;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;

/**
 * A cursor payload that {@link PayloadWriter} could not have written. {@link CursorCodec#verify} catches it and
 * answers {@link ResetReason#MALFORMED}, so it never reaches a client; were it to escape, it would be a malformed
 * request. Without a stack trace, because it is an expected answer to bad input, not a bug.
 */
final class MalformedPayloadException extends SyncException {
    private static final long serialVersionUID = 1L;

    MalformedPayloadException(String message) {
        super(SyncErrorCode.MALFORMED_REQUEST, "malformed cursor payload: " + message);
    }

    /** Records no stack trace: the throw sites are few and known, and bad input should cost no more than needed. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
