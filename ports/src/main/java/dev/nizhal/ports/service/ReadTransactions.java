package dev.nizhal.ports.service;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.Transactions;
import java.util.Map;

/**
 * The services' read transactions: a database that is unavailable or busy (no free connection in time) is {@code
 * TRANSIENT}, the client asks again.
 */
final class ReadTransactions {
    private ReadTransactions() {}

    /** {@code work} in one read transaction; a transient failure becomes {@code TRANSIENT} (a read writes nothing). */
    static <T> T read(Transactions transactions, Transactions.Work<T> work) {
        try {
            return transactions.inReadTransaction(work);
        } catch (RuntimeException e) {
            if (e instanceof SyncException || !transactions.isTransient(e)) {
                throw e;
            }
            throw new SyncException(
                    SyncErrorCode.TRANSIENT, "the database is unavailable or busy; retry later", Map.of(), e);
        }
    }
}
