package dev.nizhal.archfixtures.r10.adapters.jdbi;

import dev.nizhal.archfixtures.r10.domain.error.SyncException;

/** Compliant with R10: an adapter's failure translated into the exception root. */
public class StorageUnavailable extends SyncException {
    public StorageUnavailable(String message) {
        super(message);
    }
}
