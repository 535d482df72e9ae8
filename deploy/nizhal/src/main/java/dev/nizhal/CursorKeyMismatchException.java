package dev.nizhal;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;

/**
 * An instance whose cursor key is not the one the instances of its database sign with ({@link
 * Nizhal#checkCursorKey()}): it must not serve, or its clients would reset on every pull that another instance
 * answers. The message names neither key nor check value; a host puts the name of its setting before it.
 */
public final class CursorKeyMismatchException extends SyncException {
    private static final long serialVersionUID = 1L;

    private final boolean keyConfigured;

    CursorKeyMismatchException(boolean keyConfigured, String message) {
        super(SyncErrorCode.INTERNAL, message);
        this.keyConfigured = keyConfigured;
    }

    /** Whether the engine had a configured key (a different one), or none (a development key). */
    public boolean keyConfigured() {
        return keyConfigured;
    }
}
