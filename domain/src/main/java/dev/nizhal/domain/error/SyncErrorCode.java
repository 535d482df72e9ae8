package dev.nizhal.domain.error;

/**
 * Every error code a client can see, as documented in the protocol's error table. Request-level codes carry the HTTP
 * status they are answered with; per-mutation outcome codes are recorded in the journal and answered inside a 200
 * push response, so their status is 200.
 */
public enum SyncErrorCode {
    MALFORMED_REQUEST(400, false, Kind.REQUEST),
    UNAUTHENTICATED(401, false, Kind.REQUEST),
    FORBIDDEN(403, false, Kind.REQUEST),
    CLIENT_ACTOR_MISMATCH(403, false, Kind.REQUEST),
    UNKNOWN_SYNC_RULE(404, false, Kind.REQUEST),
    MUTATION_ORDER(409, false, Kind.REQUEST),
    MUTATION_CONFLICT(409, false, Kind.REQUEST),
    PAYLOAD_TOO_LARGE(413, false, Kind.REQUEST),
    UNSUPPORTED_PROTOCOL(426, false, Kind.REQUEST),
    RATE_LIMITED(429, true, Kind.REQUEST),
    TRANSIENT(503, true, Kind.REQUEST),
    INTERNAL(500, false, Kind.REQUEST),

    UNKNOWN_MUTATOR(200, false, Kind.MUTATION_OUTCOME),
    INVALID_ARGS(200, false, Kind.MUTATION_OUTCOME),
    MUTATION_REJECTED(200, false, Kind.MUTATION_OUTCOME),
    MUTATOR_FAILED(200, false, Kind.MUTATION_OUTCOME),
    MUTATION_SKIPPED(200, false, Kind.MUTATION_OUTCOME);

    /** Whether a code answers a whole request or is the recorded outcome of one mutation. */
    public enum Kind {
        REQUEST,
        MUTATION_OUTCOME
    }

    private final int httpStatus;
    private final boolean retryable;
    private final Kind kind;

    SyncErrorCode(int httpStatus, boolean retryable, Kind kind) {
        this.httpStatus = httpStatus;
        this.retryable = retryable;
        this.kind = kind;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean retryable() {
        return retryable;
    }

    public Kind kind() {
        return kind;
    }
}
