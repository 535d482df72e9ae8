package dev.nizhal.ports.out;

import dev.nizhal.domain.mutator.Isolation;

/**
 * Database transactions as the services need them: one snapshot-consistent read transaction per pull, one
 * read-write transaction per push group (its bodies without savepoints first, then, should one fail, the group again
 * with a savepoint around each body; see PushMutationsService).
 */
public interface Transactions {

    /** Runs {@code work} in one {@code REPEATABLE READ, READ ONLY} transaction, so every read sees one snapshot. */
    <T> T inReadTransaction(Work<T> work);

    /** Runs {@code work} in one read-write transaction at {@code isolation}; commits when it returns normally. */
    <T> T inWriteTransaction(Isolation isolation, Work<T> work);

    /**
     * Whether {@code failure} is a transient database error (serialization failure, deadlock, lost connection,
     * administrator shutdown), anywhere in its cause chain: the whole transaction is retried, never recorded.
     */
    boolean isTransient(Throwable failure);

    /**
     * Whether a push group may run its bodies without savepoints first ({@link Tx#inBody}), and the whole group again
     * with a savepoint per body when one fails, so that a failed body runs twice. True for local transactions. False
     * where a failed body must run once only: inside enclosing (JTA) transactions, a resource's failure dooms the
     * transaction, and the body's outcome is then recorded without running it again.
     */
    default boolean bodiesWithoutSavepoints() {
        return true;
    }

    /** A unit of work inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx);
    }
}
