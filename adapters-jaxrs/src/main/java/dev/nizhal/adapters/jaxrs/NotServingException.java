package dev.nizhal.adapters.jaxrs;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;

/**
 * Thrown by a host's endpoints while its engine does not serve (starting, stopped, or its start failed): answered 503
 * {@code TRANSIENT} like any transient failure, but logged at {@code DEBUG} only, since the host logs its state once
 * when it changes; a client retrying every second would otherwise write a warning a second.
 */
public final class NotServingException extends SyncException {
    private static final long serialVersionUID = 1L;

    public NotServingException() {
        super(SyncErrorCode.TRANSIENT, "the sync service is not ready; retry later");
    }
}
