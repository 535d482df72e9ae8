package dev.nizhal.domain.mutator;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.Map;
import java.util.Objects;

/**
 * Thrown by a mutator body to reject the mutation for a business reason: recorded as {@code MUTATION_REJECTED} with
 * the reason in {@code details.reason}; none of the body's writes stay; the client's next mutation goes on.
 */
public final class MutationRejected extends SyncException {
    private static final long serialVersionUID = 1L;

    private MutationRejected(String reason, String message) {
        super(SyncErrorCode.MUTATION_REJECTED, message, Map.of("reason", reason));
    }

    /**
     * @param reason the application's own code, e.g. {@code LOCKED}
     * @param message human text for the client
     */
    public static MutationRejected because(String reason, String message) {
        return new MutationRejected(Objects.requireNonNull(reason, "reason"), Objects.requireNonNull(message));
    }

    public String reason() {
        return (String) details().get("reason");
    }
}
