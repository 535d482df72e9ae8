package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.count;
import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.EnclosingTransactions;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.Rejected;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pushes inside transactions that someone else begins and ends ({@link EnclosingTransactions}, JTA in a server), here
 * a stand-in that enlists one connection per transaction and refuses {@code commit}, {@code rollback} and {@code
 * setAutoCommit} on it as the servers do: the body's writes and the journal entry share that transaction; a joined
 * resource is flushed inside the body's savepoint and discarded when the body fails; a failure that marks the
 * transaction rollback-only is recorded by a second transaction, without the body's writes.
 */
@ExtendWith(PostgresExtension.class)
class EnclosingTransactionsIT {
    private static final Actor ALICE = Actor.of("alice");
    private static TestDatabase db;
    private static Enlisting transactions;
    private static Nizhal nizhal;

    /** What the body asks for besides the handle: a resource of the enclosing transaction (a JPA EntityManager). */
    static final class Resource {
        final List<String> events = new ArrayList<>();
        boolean failAtFlush;
    }

    private static Resource resource;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        PushFixture.sql(db, SeedDatabase.SCHEMA);
        transactions = new Enlisting(db.dataSource());
        Mutators mutators = Mutators.define(m -> m.mutator("addNote", PushFixture.AddNote.class, (ctx, args) -> {
            ctx.tx(Resource.class).events.add("body");
            ctx.tx(Handle.class)
                    .createUpdate("insert into notes(id, body, owner_id) values (:id, :body, :owner)")
                    .bind("id", args.id())
                    .bind("body", args.body())
                    .bind("owner", ctx.actor().id())
                    .execute();
            if (args.body().startsWith("reject")) {
                throw MutationRejected.because("NO", "rejected after the write");
            }
            return MutationResult.of(args.id());
        }));
        nizhal = Nizhal.builder()
                .dataSource(transactions)
                .syncRules(Fixtures.seedRules())
                .mutators(mutators)
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(SeedDatabase.CURSOR_KEY)
                .enclosingTransactions(transactions)
                .build();
        nizhal.migrate();
    }

    @BeforeEach
    void freshResource() {
        resource = new Resource();
        transactions.outcomes.clear();
    }

    private static MutationOutcome addNote(String client, long id, String note, String body) {
        return nizhal.push(ALICE, push(client, m(id, "addNote", "{\"id\":\"" + note + "\",\"body\":\"" + body + "\"}")))
                .results()
                .getFirst();
    }

    @Test
    void theBodysWritesTheChangeLogAndTheJournalEntryAreOneEnclosingTransaction() {
        MutationOutcome outcome = addNote("c-1", 1, "n1", "hello");

        assertThat(outcome).isInstanceOf(Applied.class);
        assertThat(resource.events).containsExactly("body", "flush");
        assertThat(transactions.outcomes).containsExactly("commit");
        assertThat(count(
                        db,
                        "select count(*) from notes n join nizhal.mutation_journal j on j.client_id = 'c-1'"
                                + " and j.mutation_id = 1 and j.status = 'applied' where n.id = 'n1'"
                                // the capture trigger's row is written by the note's insert, in its transaction
                                + " and exists (select 1 from nizhal.change_log c where c.txid = j.txid"
                                + " and 'n1' = any (c.pks))"))
                .isEqualTo(1);

        MutationOutcome replayed = addNote("c-1", 1, "n1", "hello");
        assertThat(replayed)
                .isInstanceOfSatisfying(
                        Applied.class, a -> assertThat(a.replayed()).isTrue());
        assertThat(resource.events).as("a replay runs no body").containsExactly("body", "flush");
    }

    @Test
    void aBodyThatThrowsAfterItsWriteLeavesNoRowAndItsResourceIsDiscarded() {
        MutationOutcome outcome = addNote("c-2", 1, "n2", "rejected");

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATION_REJECTED));
        assertThat(resource.events).containsExactly("body", "discard");
        assertThat(transactions.outcomes).containsExactly("commit");
        assertThat(count(db, "select count(*) from notes where id = 'n2'")).isZero();
        assertThat(count(
                        db,
                        "select count(*) from nizhal.mutation_journal where client_id = 'c-2' and status = 'rejected'"))
                .isEqualTo(1);
    }

    @Test
    void aFailureThatDoomsTheTransactionIsRecordedByASecondOneWithoutTheBodysWrites() {
        resource.failAtFlush = true;

        MutationOutcome outcome = addNote("c-3", 1, "n3", "hello");

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED));
        assertThat(resource.events).as("the body ran once").containsExactly("body", "flush", "discard");
        assertThat(transactions.outcomes).containsExactly("rollback", "commit");
        assertThat(count(db, "select count(*) from notes where id = 'n3'")).isZero();
        assertThat(count(
                        db,
                        "select count(*) from nizhal.mutation_journal where client_id = 'c-3' and mutation_id = 1"
                                + " and status = 'rejected' and error->>'code' = 'MUTATOR_FAILED'"))
                .isEqualTo(1);
        resource.failAtFlush = false;
        assertThat(addNote("c-3", 2, "n3", "hello")).isInstanceOf(Applied.class);
    }

    /**
     * A stand-in for a server's JTA transactions on a data source that enlists its connections: within a transaction,
     * every connection it hands out is the transaction's, on which {@code commit}, {@code rollback} and {@code
     * setAutoCommit} are refused; outside one, plain pooled connections.
     */
    static final class Enlisting implements EnclosingTransactions, DataSource {
        private final DataSource pool;
        private final ThreadLocal<Connection> current = new ThreadLocal<>();
        private boolean doomed;
        final List<String> outcomes = new ArrayList<>();

        Enlisting(DataSource pool) {
            this.pool = pool;
        }

        @Override
        public <T> T inTransaction(Supplier<T> work) {
            if (current.get() != null) {
                throw new IllegalStateException("already in a transaction");
            }
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                current.set(connection);
                doomed = false;
                try {
                    T result = work.get();
                    if (doomed) {
                        throw new IllegalStateException("marked rollback-only");
                    }
                    connection.commit();
                    outcomes.add("commit");
                    return result;
                } catch (RuntimeException | Error failure) {
                    connection.rollback();
                    outcomes.add("rollback");
                    throw failure;
                } finally {
                    current.remove();
                    connection.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Optional<Joined> join(Class<?> type) {
            if (type != Resource.class) {
                return Optional.empty();
            }
            Resource joined = resource;
            return Optional.of(new Joined() {
                @Override
                public Object handle() {
                    return joined;
                }

                @Override
                public void flush() {
                    joined.events.add("flush");
                    if (joined.failAtFlush) {
                        doomed = true; // as an EntityManager marks a JTA transaction when it fails
                        throw new IllegalStateException("the flush failed");
                    }
                }

                @Override
                public void discard() {
                    joined.events.add("discard");
                }
            });
        }

        @Override
        public boolean rollbackOnly() {
            return doomed;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection enlisted = current.get();
            if (enlisted == null) {
                return pool.getConnection();
            }
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        String name = method.getName();
                        boolean noArgs = args == null || args.length == 0;
                        if ((name.equals("commit") || name.equals("rollback")) && noArgs
                                || name.equals("setAutoCommit")) {
                            throw new SQLException(name + " is not allowed on a connection of a global transaction");
                        }
                        if (name.equals("close")) {
                            return null; // the transaction keeps it until it ends
                        }
                        try {
                            return method.invoke(enlisted, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLException("not used");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
