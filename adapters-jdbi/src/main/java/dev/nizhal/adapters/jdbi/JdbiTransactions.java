package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.out.Transactions;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Predicate;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handles;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;

/**
 * {@link Transactions} on PostgreSQL through JDBI: each transaction runs on its own {@link org.jdbi.v3.core.Handle}
 * from {@link Jdbi}, commits when the work returns and rolls back when it throws (exceptions pass through as they
 * are). Transactions do not nest: starting one inside another on the same thread fails. Code in the work that uses
 * the same {@link Jdbi} ({@code withHandle}, {@code useHandle}) gets the transaction's handle, as JDBI does for
 * nested calls.
 *
 * <p>With {@link EnclosingTransactions} (JTA in an application server), write transactions are the enclosing
 * transactions instead: begun and ended by it, on a connection the data source enlists, never committed here; read
 * transactions stay local.
 */
public final class JdbiTransactions implements Transactions {

    private final Jdbi jdbi;
    private final EnclosingTransactions enclosing;

    private static final List<String> READ_SETTINGS = JdbiCaptureTriggers.KEY_SETTINGS.stream()
            .filter(setting -> !setting.startsWith("search_path="))
            .map(setting -> {
                int eq = setting.indexOf('=');
                return "SET LOCAL " + setting.substring(0, eq) + " = '" + setting.substring(eq + 1) + "'";
            })
            .toList();

    /** Transactions on connections from {@code jdbi}. */
    public JdbiTransactions(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.enclosing = null;
    }

    /** Write transactions inside {@code enclosing}'s, on connections from {@code jdbi}; reads as above. */
    public JdbiTransactions(Jdbi jdbi, EnclosingTransactions enclosing) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.enclosing = Objects.requireNonNull(enclosing, "enclosing");
    }

    /**
     * {@inheritDoc}
     *
     * <p>The transaction runs with the settings the capture triggers pin ({@link JdbiCaptureTriggers#KEY_SETTINGS}
     * but the search path: {@code TimeZone = UTC}, ISO dates, ...), by {@code SET LOCAL}, so the connection's own
     * settings are back after it: row keys that hold a time or a float are the value's text form, which depends on
     * them, and must read the same as the triggers logged them whatever a pooled connection was opened with.
     */
    @Override
    public <T> T inReadTransaction(Work<T> work) {
        return inTransaction("ISOLATION LEVEL REPEATABLE READ, READ ONLY", READ_SETTINGS, false, work);
    }

    /**
     * Whether the database has a deferrable constraint (a foreign key, unique, primary key or exclusion constraint,
     * or a constraint trigger, declared {@code DEFERRABLE}): read from the catalog before the first write transaction
     * and again after a commit failed whose bodies did not check deferred constraints. While there is none, a body's
     * end does not check them ({@code SET CONSTRAINTS ALL IMMEDIATE} would check nothing, for a round trip per body).
     * One added while this instance runs fails the first commit that violates it, with whatever SQLSTATE it raises;
     * that failure is then transient ({@link DeferrableConstraintsFound}): the push retries, and checks at every
     * body's end from then on.
     */
    private volatile Boolean deferrable;

    private boolean deferrable(org.jdbi.v3.core.Handle handle) {
        Boolean known = deferrable;
        if (known == null) {
            known = handle.createQuery("select exists(select from pg_catalog.pg_constraint where condeferrable)"
                            + " or exists(select from pg_catalog.pg_trigger where tgdeferrable)")
                    .mapTo(Boolean.class)
                    .one();
            deferrable = known;
        }
        return known;
    }

    /**
     * A commit failed after bodies that checked no deferred constraint, because the database had none when the
     * transaction began: perhaps one declared since. Transient, so the work is retried after the catalog is read again
     * (and then checked at each body's end, if one was found).
     */
    static final class DeferrableConstraintsFound extends SyncException {
        private static final long serialVersionUID = 1L;

        DeferrableConstraintsFound(Throwable cause) {
            super(
                    SyncErrorCode.TRANSIENT,
                    "a deferrable constraint was added while this instance ran; retry",
                    Map.of(),
                    cause);
        }
    }

    /** The modes of a write transaction at PostgreSQL's default level, which a session may already begin with. */
    private static final String DEFAULT_WRITE_MODES = "ISOLATION LEVEL READ COMMITTED, READ WRITE";

    /**
     * The physical connections (the driver's, whatever pool wraps them) whose sessions begin transactions as {@link
     * #DEFAULT_WRITE_MODES} by default: a READ COMMITTED write transaction on one of them skips its {@code SET
     * TRANSACTION}, a round trip of each push. A session's defaults are read once, before its first such transaction
     * here (one round trip per connection), and read again after any such transaction failed: a session whose defaults
     * were changed since (a {@code SET SESSION CHARACTERISTICS} or {@code SET default_transaction_read_only} on a
     * pooled connection) shows in a failure: a read-only transaction refuses the first write (the push's first
     * statement locks its client row), which is made transient ({@link SessionDefaultsChanged}), so the work runs
     * again on defaults read again; a stricter level only adds serialization failures, which are transient anyway.
     */
    private final Map<PGConnection, Boolean> defaultModes = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * A READ COMMITTED write transaction that relied on its session's defaults was refused a write as read-only: they
     * were changed since they were read. Transient, so the work is retried once they are read again.
     */
    static final class SessionDefaultsChanged extends SyncException {
        private static final long serialVersionUID = 1L;

        SessionDefaultsChanged(Throwable cause) {
            super(SyncErrorCode.TRANSIENT, "a transaction on a session's default modes failed; retry", Map.of(), cause);
        }
    }

    /**
     * Whether {@code handle}'s session begins transactions as READ COMMITTED, READ WRITE by default: remembered per
     * physical connection, read when unknown (outside any transaction); {@code null} when the connection is not the
     * PostgreSQL driver's (the {@code SET TRANSACTION} is then never skipped).
     */
    private PGConnection defaultWriteSession(org.jdbi.v3.core.Handle handle) {
        PGConnection physical;
        try {
            physical = handle.getConnection().unwrap(PGConnection.class);
        } catch (SQLException e) {
            return null;
        }
        Boolean known = defaultModes.get(physical);
        if (known == null) {
            known = handle.createQuery("select current_setting('default_transaction_isolation') = 'read committed'"
                            + " and current_setting('default_transaction_read_only') = 'off'")
                    .mapTo(Boolean.class)
                    .one();
            defaultModes.put(physical, known);
        }
        return known ? physical : null;
    }

    @Override
    public <T> T inWriteTransaction(Isolation isolation, Work<T> work) {
        String level = switch (isolation) {
            case READ_COMMITTED -> "READ COMMITTED";
            case REPEATABLE_READ -> "REPEATABLE READ";
            case SERIALIZABLE -> "SERIALIZABLE";
        };
        // READ WRITE is explicit so that a session default of read-only fails here, not in the mutator body
        String modes = "ISOLATION LEVEL " + level + ", READ WRITE";
        return enclosing == null ? inTransaction(modes, List.of(), true, work) : inEnclosingTransaction(modes, work);
    }

    private <T> T inEnclosingTransaction(String modes, Work<T> work) {
        Objects.requireNonNull(work, "work");
        return enclosing.inTransaction(() -> jdbi.withHandle(handle -> {
            // the enclosing transaction ends after this handle is closed: JDBI must not roll it back on close
            handle.getConfig(Handles.class).setForceEndTransactions(false);
            // the first statement on the enlisted connection, so it sets the modes at BEGIN as in a local one
            handle.execute("SET TRANSACTION " + modes);
            // the enclosing transaction commits elsewhere: a missed deferred check could not be caught there
            return work.run(new JdbiTx(handle, enclosing, true));
        }));
    }

    private <T> T inTransaction(String modes, List<String> settings, boolean write, Work<T> work) {
        Objects.requireNonNull(work, "work");
        // JDBI hands a call made inside withHandle/inTransaction the handle already open on this thread (so user
        // code using the same Jdbi in a mutator body joins its transaction); a nested transaction would silently
        // join too, with its own isolation ignored or overriding the outer one
        return jdbi.withHandle(handle -> {
            if (handle.isInTransaction()) {
                throw new IllegalStateException(
                        "A transaction is already open on this thread with this Jdbi: transactions do not nest");
            }
            // read before the transaction begins (its first statement must be SET TRANSACTION)
            boolean checkDeferred = !write || deferrable(handle);
            // a session that begins with these modes anyway needs no SET TRANSACTION (nor settings: writes have none)
            PGConnection onDefaults = write && settings.isEmpty() && modes.equals(DEFAULT_WRITE_MODES)
                    ? defaultWriteSession(handle)
                    : null;
            boolean[] workDone = {false};
            try {
                return handle.inTransaction(inTransaction -> {
                    if (onDefaults == null) {
                        // SET TRANSACTION as the first statement sets the modes at BEGIN for this transaction only,
                        // so a pooled connection's session defaults stay as they were for its next user; the
                        // settings go in the same round trip (a pull is a handful of statements, and these were
                        // five of them)
                        List<String> statements = new ArrayList<>();
                        statements.add("SET TRANSACTION " + modes);
                        statements.addAll(settings);
                        inTransaction.execute(String.join("; ", statements));
                    }
                    T result = work.run(new JdbiTx(inTransaction, null, checkDeferred));
                    workDone[0] = true;
                    return result;
                });
            } catch (RuntimeException e) {
                if (onDefaults != null) {
                    defaultModes.remove(onDefaults); // read again before this connection's next such transaction
                }
                if (workDone[0] && !checkDeferred && failedInTheDatabase(e) && !isTransientFailure(e)) {
                    // only the commit came after the work, and the bodies' ends checked no deferred constraint: a
                    // deferrable one may have been declared since the catalog was read, whatever its failure says
                    // (a deferred constraint trigger raises what its function raises, e.g. P0001). Read the catalog
                    // again and retry; with one found, each body's end checks it and only its body fails
                    deferrable = null;
                    throw new DeferrableConstraintsFound(e);
                }
                if (onDefaults != null && hasState(e, READ_ONLY_TRANSACTION)) {
                    // the session's defaults were changed to read-only since they were read
                    throw new SessionDefaultsChanged(e);
                }
                throw e;
            }
        });
    }

    /** SQLSTATE {@code 25006}: a write in a read-only transaction. */
    private static final String READ_ONLY_TRANSACTION = "25006";

    /** Whether an {@link SQLException} with SQLSTATE {@code state} is in the cause chain. */
    private static boolean hasState(Throwable failure, String state) {
        return anyInChain(failure, sql -> state.equals(sql.getSQLState()));
    }

    /** Whether the database refused the work: an {@link SQLException} with a SQLSTATE is in the cause chain. */
    private static boolean failedInTheDatabase(Throwable failure) {
        return anyInChain(failure, sql -> sql.getSQLState() != null);
    }

    private static boolean anyInChain(Throwable failure, Predicate<SQLException> test) {
        for (Throwable next = failure; next != null; next = next.getCause() == next ? null : next.getCause()) {
            if (next instanceof SQLException sql && test.test(sql)) {
                return true;
            }
        }
        return false;
    }

    /** {@inheritDoc} Not inside enclosing transactions. */
    @Override
    public boolean bodiesWithoutSavepoints() {
        return enclosing == null;
    }

    /**
     * {@inheritDoc}
     *
     * <p>True when any {@link SQLException} in the cause chain (including {@link SQLException#getNextException()})
     * has an SQLSTATE of class {@code 40} (transaction rollback: serialization failure, deadlock), class {@code 08}
     * (connection exception, which is also what the driver reports for a closed or broken connection) or
     * {@code 57P01} (terminated by an administrator). JDBI's own exceptions wrap the {@link SQLException}, so they
     * are classified by their causes.
     */
    @Override
    public boolean isTransient(Throwable failure) {
        return isTransientFailure(failure);
    }

    static boolean isTransientFailure(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> pending = new ArrayDeque<>();
        pending.push(Objects.requireNonNull(failure, "failure"));
        while (!pending.isEmpty()) {
            Throwable next = pending.pop();
            if (!seen.add(next)) {
                continue; // cause chains can loop
            }
            if (next instanceof ConnectionException
                    || next instanceof DeferrableConstraintsFound
                    || next instanceof SessionDefaultsChanged
                    || next instanceof SQLTransientConnectionException
                    || next instanceof SQLRecoverableException) {
                return true; // no connection at all (pool closed or exhausted, database unreachable)
            }
            if (next instanceof SQLException sql) {
                if (isTransientState(sql.getSQLState())) {
                    return true;
                }
                if (sql.getNextException() != null) {
                    pending.push(sql.getNextException());
                }
            }
            if (next.getCause() != null) {
                pending.push(next.getCause());
            }
        }
        return false;
    }

    private static boolean isTransientState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("40") || sqlState.startsWith("08") || sqlState.equals("57P01"));
    }
}
