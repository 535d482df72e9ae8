package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.out.Tx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;

/** One open transaction on a JDBI {@link Handle}; lives as long as the work it was handed to. */
final class JdbiTx implements Tx {

    private final Handle handle;
    private final EnclosingTransactions enclosing;
    /** The enclosing transaction's resources a body asked for, flushed before its savepoint is released. */
    private final List<EnclosingTransactions.Joined> joined = new ArrayList<>();

    /**
     * Whether a body's end checks deferred constraints: false only when the database had no deferrable constraint
     * when this transaction began (see {@link JdbiTransactions}); then {@code SET CONSTRAINTS ALL IMMEDIATE} would
     * check nothing, and costs a round trip per body.
     */
    private final boolean checkDeferred;

    private int savepoints;

    JdbiTx(Handle handle) {
        this(handle, null, true);
    }

    JdbiTx(Handle handle, EnclosingTransactions enclosing, boolean checkDeferred) {
        this.handle = handle;
        this.enclosing = enclosing;
        this.checkDeferred = checkDeferred;
    }

    @Override
    public <H> H handle(Class<H> type) {
        if (type == Handle.class) {
            return type.cast(handle);
        }
        if (type == Connection.class) {
            return type.cast(handle.getConnection());
        }
        if (enclosing != null) {
            for (EnclosingTransactions.Joined resource : joined) {
                if (type.isInstance(resource.handle())) {
                    return type.cast(resource.handle());
                }
            }
            Optional<EnclosingTransactions.Joined> resource = enclosing.join(type);
            if (resource.isPresent()) {
                joined.add(resource.get());
                return type.cast(resource.get().handle());
            }
        }
        throw new IllegalArgumentException("No transaction handle of type " + type.getName() + ": supported are "
                + Handle.class.getName() + " and " + Connection.class.getName()
                + (enclosing == null ? "" : ", and what the enclosing transaction offers"));
    }

    @Override
    public boolean rollbackOnly() {
        return enclosing != null && enclosing.rollbackOnly();
    }

    @Override
    public <T> T inSavepoint(Supplier<T> body) {
        Objects.requireNonNull(body, "body");
        String savepoint = "nizhal_body_" + ++savepoints;
        // plain SQL rather than JDBC savepoints, so that the check and the release below can share one round trip
        handle.execute("SAVEPOINT " + savepoint);
        try {
            T result = body.get();
            // a JPA EntityManager writes at flush, which would otherwise come at the enclosing commit: after the
            // savepoint, the capture and the journal entry, where its failure could no longer be the body's
            for (EnclosingTransactions.Joined resource : joined) {
                resource.flush();
            }
            // a deferred constraint would otherwise fail only at COMMIT, after the outcome was recorded; checking
            // here makes its violation the body's failure. The check runs in a savepoint of its own that is rolled
            // back once it passed: SET CONSTRAINTS is undone with it, so the constraints stay as declared for the
            // bodies after this one in the transaction (a push's group), and the checked events are checked again
            // at COMMIT. All in one round trip (the driver sends a statement list at once; a failure of the check
            // skips the rest), which costs less than asking the catalog whether any deferrable constraint exists.
            handle.execute(
                    checkDeferred
                            ? deferredCheck(savepoint + "_check") + "; RELEASE SAVEPOINT " + savepoint
                            : "RELEASE SAVEPOINT " + savepoint);
            return result;
        } catch (RuntimeException | Error failure) {
            if (!connectionLost(failure)) {
                try {
                    // released too: the statements after it (the journal entry, the next mutations of a group) run in
                    // the transaction itself, not nested in this savepoint's restarted subtransaction
                    handle.execute("ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint);
                } catch (RuntimeException rollbackFailure) {
                    failure.addSuppressed(rollbackFailure);
                }
            }
            // what a resource still holds of the body's writes is gone from the database: it must not write or
            // cache it at commit
            for (EnclosingTransactions.Joined resource : joined) {
                try {
                    resource.discard();
                } catch (RuntimeException discardFailure) {
                    failure.addSuppressed(discardFailure);
                }
            }
            throw failure;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Only outside enclosing (JTA) transactions ({@link JdbiTransactions#bodiesWithoutSavepoints()}), so no
     * enclosing resource is joined here: on a failure the caller rolls the whole transaction back.
     */
    @Override
    public <T> T inBody(Supplier<T> body) {
        Objects.requireNonNull(body, "body");
        if (enclosing != null) {
            throw new IllegalStateException("a body runs without a savepoint only outside enclosing transactions");
        }
        T result = body.get();
        if (checkDeferred) {
            // as in inSavepoint: checked in a savepoint rolled back once it passed, so the constraints stay as
            // declared for the bodies after this one; rolled back, it leaves no subtransaction behind
            handle.execute(deferredCheck("nizhal_body_check"));
        }
        return result;
    }

    /** Deferred constraints checked now, in a savepoint {@code name} that is rolled back once they passed. */
    private static String deferredCheck(String name) {
        return "SAVEPOINT " + name + "; SET CONSTRAINTS ALL IMMEDIATE; ROLLBACK TO SAVEPOINT " + name
                + "; RELEASE SAVEPOINT " + name;
    }

    // with the connection gone there is no savepoint left to roll back to; the caller retries the transaction
    private boolean connectionLost(Throwable failure) {
        if (!JdbiTransactions.isTransientFailure(failure)) {
            return false;
        }
        try {
            return handle.getConnection().isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
