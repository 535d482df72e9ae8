package dev.nizhal.adapters.jdbi;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Transactions that someone else begins and ends, such as the application server's JTA transactions: {@link
 * JdbiTransactions} then runs each write transaction inside one, on a connection that the {@code DataSource} enlists
 * in it, and never calls {@code commit}, {@code rollback} or {@code setAutoCommit} on that connection. Its isolation
 * ({@code SET TRANSACTION}) and the savepoint around a mutator body are plain SQL on that connection, as in a local
 * transaction.
 *
 * <p>Other resources of the enclosing transaction (a JPA {@code EntityManager} on the same data source) reach the
 * mutator bodies through {@link #join}: their writes go to the same connection, so they commit or roll back with the
 * journal entry.
 */
public interface EnclosingTransactions {

    /**
     * Begins a transaction, runs {@code work} in it and commits when it returns; rolls back and rethrows when it
     * throws. Also rolls back, and throws, when a resource marked the transaction rollback-only.
     *
     * @throws IllegalStateException when a transaction is already active on this thread (they do not nest)
     */
    <T> T inTransaction(Supplier<T> work);

    /**
     * A resource of the transaction active on this thread, of {@code type}, for a mutator body; empty when this kind
     * of transaction has none of that type.
     */
    Optional<Joined> join(Class<?> type);

    /** Whether the transaction active on this thread was marked rollback-only (by a joined resource's failure). */
    boolean rollbackOnly();

    /** A resource that shares the enclosing transaction, as a mutator body got it. */
    interface Joined {
        /** What the body gets (an {@code EntityManager}, say). */
        Object handle();

        /**
         * Writes what the resource holds back to the database now: runs when the body returned, inside its
         * savepoint, so that a failure is the body's and its writes are captured before the journal entry.
         */
        void flush();

        /** Forgets what the resource holds: runs after the body's writes were rolled back to its savepoint. */
        void discard();
    }
}
