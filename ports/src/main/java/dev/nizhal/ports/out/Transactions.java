package dev.nizhal.ports.out;

import dev.nizhal.domain.mutator.Isolation;

/**
 * Database transactions as the services need them: one snapshot-consistent read transaction per pull, one
 * read-write transaction per push group (a savepoint around each mutator body; see PushMutations).
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

    /** A unit of work inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx);
    }
}
