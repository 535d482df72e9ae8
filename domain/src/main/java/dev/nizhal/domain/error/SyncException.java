package dev.nizhal.domain.error;

import java.util.Map;
import java.util.Objects;

/**
 * The one exception root of Nizhal. Its message is written for the client: it never contains SQL, stack traces,
 * table, constraint or class names. Adapters translate everything else into one of these.
 */
public class SyncException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final SyncErrorCode code;
    private final Map<String, Object> details;

    public SyncException(SyncErrorCode code, String message) {
        this(code, message, Map.of(), null);
    }

    public SyncException(SyncErrorCode code, String message, Map<String, Object> details) {
        this(code, message, details, null);
    }

    public SyncException(SyncErrorCode code, String message, Map<String, Object> details, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.details = Map.copyOf(details);
    }

    public SyncErrorCode code() {
        return code;
    }

    public boolean retryable() {
        return code.retryable();
    }

    /** Extra facts for the client (validation paths, the expected mutation id, a mutator's own reason). */
    public Map<String, Object> details() {
        return details;
    }
}
