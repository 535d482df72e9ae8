package dev.nizhal.ports.out;

import java.util.function.Supplier;

/** One open transaction, as the storage adapter hands it to the services and to mutator bodies. */
public interface Tx {

    /**
     * The native handle of this transaction ({@code org.jdbi.v3.core.Handle}, {@code java.sql.Connection}, ...).
     *
     * @throws IllegalArgumentException when the adapter has no handle of that type
     */
    <H> H handle(Class<H> type);

    /**
     * Runs {@code body} inside a savepoint. When it returns normally, deferred constraints are checked ({@code SET
     * CONSTRAINTS ALL IMMEDIATE}) before the savepoint is released, so their failure is the body's failure. When
     * the body or that check fails, the transaction is rolled back to the savepoint (none of the body's writes stay)
     * and the failure is rethrown; the transaction itself stays usable unless the failure is transient.
     */
    <T> T inSavepoint(Supplier<T> body);

    /**
     * Runs {@code body} without a savepoint of its own: when it returns normally, what {@link #inSavepoint} checks
     * is checked too (deferred constraints), so that a body that passes here would have passed there; called only
     * when {@link Transactions#bodiesWithoutSavepoints()} (no resource shares the transaction). When the body or that check fails, nothing is undone: the
     * caller must roll the whole transaction back. A push runs a group's bodies so (one round trip less per body,
     * and no subtransaction), and runs the group again with a savepoint per body when one of them fails.
     */
    default <T> T inBody(Supplier<T> body) {
        return inSavepoint(body);
    }

    /**
     * Whether a resource that shares this transaction marked it rollback-only, so that it can no longer commit: a
     * JPA {@code EntityManager} does so on its own failures inside a JTA transaction, which a savepoint cannot undo.
     * A local transaction never is.
     */
    default boolean rollbackOnly() {
        return false;
    }
}
