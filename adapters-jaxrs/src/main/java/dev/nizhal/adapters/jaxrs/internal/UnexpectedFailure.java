package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.Map;

/**
 * Any failure that is not a {@link SyncException}, wrapped as {@code INTERNAL} so that the one exception mapper
 * answers it; the cause is logged there with the correlation id and never reaches the client.
 */
public final class UnexpectedFailure extends SyncException {
    private static final long serialVersionUID = 1L;

    public UnexpectedFailure(Throwable cause) {
        super(SyncErrorCode.INTERNAL, "unexpected failure", Map.of(), cause);
    }
}
