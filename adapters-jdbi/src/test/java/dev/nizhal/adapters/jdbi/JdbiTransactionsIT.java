package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.mutator.Isolation;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(PostgresExtension.class)
class JdbiTransactionsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final TestDatabase database;
    private final Jdbi jdbi;
    private final JdbiTransactions transactions;

    JdbiTransactionsIT(TestDatabase database) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.transactions = new JdbiTransactions(jdbi);
    }

    @BeforeEach
    void createTables() {
        jdbi.useHandle(handle -> handle.execute("""
                DROP TABLE IF EXISTS item, child, parent;
                CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL DEFAULT '');
                CREATE TABLE parent (id int PRIMARY KEY);
                CREATE TABLE child (
                    id int PRIMARY KEY,
                    parent_id int NOT NULL REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
                """));
    }

    @Test
    void aReadTransactionIsRepeatableReadAndReadOnly() {
        String modes = transactions.inReadTransaction(JdbiTransactionsIT::modes);

        assertThat(modes).isEqualTo("repeatable read, read only on");
    }

    @Test
    void aReadTransactionRunsInUtcAndLeavesTheConnectionsTimeZoneAsItWas() throws SQLException {
        // one connection for all three transactions, opened in a zone other than UTC, as a pool would hand it out
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("SET TimeZone = 'Asia/Kolkata'");
            JdbiTransactions onOneConnection = new JdbiTransactions(Jdbi.create(connection));

            String inRead = onOneConnection.inReadTransaction(tx -> timeZoneAndEpoch(tx.handle(Handle.class)));
            String inWrite = onOneConnection.inWriteTransaction(
                    Isolation.READ_COMMITTED, tx -> timeZoneAndEpoch(tx.handle(Handle.class)));

            assertThat(inRead).isEqualTo("UTC 1970-01-01 00:00:00+00");
            assertThat(inWrite).isEqualTo("Asia/Kolkata 1970-01-01 05:30:00+05:30");
        }
    }

    private static String timeZoneAndEpoch(Handle handle) {
        return handle.createQuery("SELECT current_setting('TimeZone') || ' ' || cast(to_timestamp(0) as text)")
                .mapTo(String.class)
                .one();
    }

    @Test
    void aWriteInAReadTransactionFails() {
        Throwable failure = catchThrowable(() -> transactions.inReadTransaction(
                tx -> tx.handle(Handle.class).execute("INSERT INTO item (id) VALUES (1)")));

        assertThat(sqlState(failure)).isEqualTo("25006"); // read_only_sql_transaction
        assertThat(ids("item")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Isolation.class)
    void aWriteTransactionRunsAtItsIsolation(Isolation isolation) {
        String modes = transactions.inWriteTransaction(isolation, JdbiTransactionsIT::modes);

        String expected = switch (isolation) {
            case READ_COMMITTED -> "read committed";
            case REPEATABLE_READ -> "repeatable read";
            case SERIALIZABLE -> "serializable";
        };
        assertThat(modes).isEqualTo(expected + ", read only off");
    }

    @Test
    void aReadCommittedWriteOnASessionOfDefaultModesSkipsSetTransactionAfterReadingThemOnce() throws SQLException {
        try (Connection connection = database.dataSource().getConnection()) {
            List<String> statements = new ArrayList<>();
            JdbiTransactions onOneConnection = new JdbiTransactions(recording(Jdbi.create(connection), statements));

            String first = onOneConnection.inWriteTransaction(Isolation.READ_COMMITTED, JdbiTransactionsIT::modes);
            List<String> firstStatements = List.copyOf(statements);
            statements.clear();
            String second = onOneConnection.inWriteTransaction(Isolation.READ_COMMITTED, JdbiTransactionsIT::modes);

            assertThat(first).isEqualTo("read committed, read only off");
            assertThat(second).isEqualTo("read committed, read only off");
            assertThat(firstStatements)
                    .anyMatch(sql -> sql.contains("default_transaction_isolation"))
                    .noneMatch(sql -> sql.startsWith("SET TRANSACTION"));
            assertThat(statements).hasSize(1).first().asString().contains("transaction_isolation");
            // another level still sets its modes
            statements.clear();
            assertThat(onOneConnection.inWriteTransaction(Isolation.REPEATABLE_READ, JdbiTransactionsIT::modes))
                    .isEqualTo("repeatable read, read only off");
            assertThat(statements).anyMatch(sql -> sql.startsWith("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
        }
    }

    @Test
    void aSessionWhoseDefaultsAreOtherModesGetsItsReadCommittedWriteTransactionsModesSet() throws SQLException {
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY");
            JdbiTransactions onOneConnection = new JdbiTransactions(Jdbi.create(connection));

            String modes = onOneConnection.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
                tx.handle(Handle.class).execute("INSERT INTO item (id) VALUES (1)");
                return modes(tx);
            });

            assertThat(modes).isEqualTo("read committed, read only off");
            assertThat(ids("item")).containsExactly(1);
        }
    }

    @Test
    void aSessionMadeReadOnlyAfterItsDefaultsWereReadFailsTransientlyOnceThenGetsItsModesSet() throws SQLException {
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            JdbiTransactions onOneConnection = new JdbiTransactions(Jdbi.create(connection));
            onOneConnection.inWriteTransaction(Isolation.READ_COMMITTED, JdbiTransactionsIT::modes);
            // as code sharing the pool might leave a connection: its later transactions begin read-only
            statement.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");

            Throwable failure = catchThrowable(() -> onOneConnection.inWriteTransaction(
                    Isolation.READ_COMMITTED,
                    tx -> tx.handle(Handle.class).execute("INSERT INTO item (id) VALUES (1)")));
            String retried = onOneConnection.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
                tx.handle(Handle.class).execute("INSERT INTO item (id) VALUES (2)");
                return modes(tx);
            });

            assertThat(sqlState(failure)).isEqualTo("25006");
            assertThat(onOneConnection.isTransient(failure)).isTrue();
            assertThat(retried).isEqualTo("read committed, read only off");
            assertThat(ids("item")).containsExactly(2);
        }
    }

    /** The transaction's isolation and read-only mode, e.g. {@code "read committed, read only off"}. */
    private static String modes(dev.nizhal.ports.out.Tx tx) {
        return tx.handle(Handle.class)
                .createQuery("SELECT current_setting('transaction_isolation') || ', read only '"
                        + " || current_setting('transaction_read_only')")
                .mapTo(String.class)
                .one();
    }

    /** {@code jdbi}, recording the text of each statement it runs into {@code statements}. */
    private static Jdbi recording(Jdbi jdbi, List<String> statements) {
        return jdbi.setSqlLogger(new org.jdbi.v3.core.statement.SqlLogger() {
            @Override
            public void logBeforeExecution(org.jdbi.v3.core.statement.StatementContext context) {
                statements.add(context.getRenderedSql().strip());
            }
        });
    }

    @Test
    void aWriteTransactionCommitsWhenTheWorkReturnsAndRollsBackWhenItThrows() {
        IllegalStateException boom = new IllegalStateException("boom");

        transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> insertItem(tx.handle(Handle.class), 1));
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            insertItem(tx.handle(Handle.class), 2);
            throw boom;
        }));

        assertThat(failure).isSameAs(boom);
        assertThat(ids("item")).containsExactly(1);
    }

    @Test
    void aTransactionInsideAnotherOnTheSameThreadFailsInsteadOfJoiningIt() {
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, outer -> {
            insertItem(outer.handle(Handle.class), 1);
            return transactions.inWriteTransaction(
                    Isolation.SERIALIZABLE, inner -> insertItem(inner.handle(Handle.class), 2));
        }));

        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("transactions do not nest");
        assertThat(ids("item")).isEmpty();
    }

    @Test
    void codeUsingTheSameJdbiInsideTheWorkJoinsTheTransaction() {
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            jdbi.useHandle(handle -> insertItem(handle, 1));
            throw new IllegalStateException("roll back");
        }));

        assertThat(failure).hasMessage("roll back");
        assertThat(ids("item")).as("rolled back with the transaction").isEmpty();
    }

    @Test
    void theTransactionHandleIsTheJdbiHandleOrItsConnection() {
        transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            assertThat(tx.handle(Connection.class)).isSameAs(handle.getConnection());
            assertThatThrownBy(() -> tx.handle(String.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.String")
                    .hasMessageContaining("org.jdbi.v3.core.Handle")
                    .hasMessageContaining("java.sql.Connection");
            return null;
        });
    }

    @Test
    void aSavepointKeepsTheBodysWritesWhenItReturns() {
        String result = transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            return tx.inSavepoint(() -> {
                insertItem(handle, 2);
                return "done";
            });
        });

        assertThat(result).isEqualTo("done");
        assertThat(ids("item")).containsExactly(1, 2);
    }

    @Test
    void aFailedBodyLeavesNoneOfItsWritesWhileTheTransactionsOtherWritesCommit() {
        IllegalStateException boom = new IllegalStateException("rejected");

        Throwable caught = transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            Throwable failure = catchThrowable(() -> tx.inSavepoint(() -> {
                insertItem(handle, 2);
                insertItem(handle, 3);
                throw boom;
            }));
            insertItem(handle, 4);
            return failure;
        });

        assertThat(caught).isSameAs(boom);
        assertThat(ids("item")).containsExactly(1, 4);
    }

    @Test
    void aStatementFailingInTheBodyLeavesTheTransactionUsable() {
        Throwable caught = transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            Throwable failure = catchThrowable(() -> tx.inSavepoint(() -> {
                insertItem(handle, 2);
                return insertItem(handle, 1);
            }));
            insertItem(handle, 3); // would fail with 25P02 (transaction aborted) without the rollback
            return failure;
        });

        assertThat(sqlState(caught)).isEqualTo("23505");
        assertThat(transactions.isTransient(caught)).isFalse();
        assertThat(ids("item")).containsExactly(1, 3);
    }

    @Test
    void aDeferredConstraintViolatedInTheBodyFailsInsideTheSavepoint() {
        Throwable caught = transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            Throwable failure = catchThrowable(() -> tx.inSavepoint(() -> {
                // fine until the constraint is checked: it is DEFERRABLE INITIALLY DEFERRED
                handle.execute("INSERT INTO child (id, parent_id) VALUES (1, 99)");
                return "accepted";
            }));
            insertItem(handle, 2);
            return failure;
        });

        assertThat(sqlState(caught)).isEqualTo("23503"); // foreign_key_violation
        assertThat(ids("item")).containsExactly(1, 2);
        assertThat(ids("child")).isEmpty();
    }

    @Test
    void aSerializationFailureIsTransient() {
        jdbi.useHandle(handle -> handle.execute("INSERT INTO item (id, label) VALUES (1, 'on call'), (2, 'on call')"));

        // write skew: each transaction reads both rows and takes one off call; the second to commit must fail
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.SERIALIZABLE, tx -> {
            Handle mine = tx.handle(Handle.class);
            assertThat(onCall(mine)).isEqualTo(2);
            try (Handle other = jdbi.open()) {
                other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE");
                assertThat(onCall(other)).isEqualTo(2);
                other.execute("UPDATE item SET label = 'off' WHERE id = 2");
                other.execute("COMMIT");
            }
            return mine.execute("UPDATE item SET label = 'off' WHERE id = 1");
        }));

        assertThat(sqlState(failure)).isEqualTo("40001"); // serialization_failure
        assertThat(transactions.isTransient(failure)).isTrue();
        assertThat(jdbi.withHandle(JdbiTransactionsIT::onCall)).isEqualTo(1);
    }

    @Test
    void aDeadlockIsTransient() throws Exception {
        jdbi.useHandle(handle -> handle.execute("INSERT INTO item (id) VALUES (1), (2)"));
        CompletableFuture<Integer> firstPid = new CompletableFuture<>();
        CountDownLatch firstLocked = new CountDownLatch(1);
        CountDownLatch secondLocked = new CountDownLatch(1);

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            // first: locks 1, then waits for 2; second: locks 2, waits until first is blocked, then asks for 1
            Future<Integer> first =
                    threads.submit(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
                        Handle handle = tx.handle(Handle.class);
                        firstPid.complete(backendPid(handle));
                        handle.execute("UPDATE item SET label = 'first' WHERE id = 1");
                        firstLocked.countDown();
                        await(secondLocked);
                        return handle.execute("UPDATE item SET label = 'first' WHERE id = 2");
                    }));
            Future<Integer> second =
                    threads.submit(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
                        Handle handle = tx.handle(Handle.class);
                        await(firstLocked);
                        handle.execute("UPDATE item SET label = 'second' WHERE id = 2");
                        secondLocked.countDown();
                        int pid = firstPid.join(); // completed before firstLocked opened
                        Await.until("the first transaction waits for a lock", TIMEOUT, () -> waitsForLock(pid));
                        return handle.execute("UPDATE item SET label = 'second' WHERE id = 1");
                    }));

            List<Throwable> failures = Stream.of(first, second)
                    .map(JdbiTransactionsIT::failureOf)
                    .filter(Objects::nonNull)
                    .toList();

            assertThat(failures).as("PostgreSQL aborts exactly one of the two").hasSize(1);
            assertThat(sqlState(failures.getFirst())).isEqualTo("40P01"); // deadlock_detected
            assertThat(transactions.isTransient(failures.getFirst())).isTrue();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aTerminatedConnectionIsTransient() {
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            terminate(backendPid(handle));
            return insertItem(handle, 2);
        }));

        assertThat(sqlState(failure)).isEqualTo("57P01"); // admin_shutdown
        assertThat(transactions.isTransient(failure)).isTrue();
        assertThat(ids("item")).isEmpty();
    }

    @Test
    void aSavepointDoesNotTryToRollBackOnAConnectionThatIsGone() {
        List<Throwable> suppressedInSavepoint = new ArrayList<>();
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            insertItem(handle, 1);
            try {
                return tx.inSavepoint(() -> {
                    terminate(backendPid(handle));
                    return insertItem(handle, 2);
                });
            } catch (RuntimeException e) {
                // JDBI's rollback of the transaction adds its own failure later
                suppressedInSavepoint.addAll(List.of(e.getSuppressed()));
                throw e;
            }
        }));

        assertThat(sqlState(failure)).isEqualTo("57P01");
        assertThat(transactions.isTransient(failure)).isTrue();
        assertThat(suppressedInSavepoint)
                .as("failures of a ROLLBACK TO SAVEPOINT attempted on the closed connection")
                .isEmpty();
    }

    @Test
    void aUniqueViolationIsNotTransient() {
        Throwable failure = catchThrowable(() -> transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            insertItem(tx.handle(Handle.class), 1);
            return insertItem(tx.handle(Handle.class), 1);
        }));

        assertThat(sqlState(failure)).isEqualTo("23505"); // unique_violation
        assertThat(transactions.isTransient(failure)).isFalse();
    }

    @Test
    void aSyntaxErrorIsNotTransient() {
        Throwable failure = catchThrowable(() ->
                transactions.inReadTransaction(tx -> tx.handle(Handle.class).execute("SELEKT 1")));

        assertThat(sqlState(failure)).isEqualTo("42601"); // syntax_error
        assertThat(transactions.isTransient(failure)).isFalse();
    }

    private static int insertItem(Handle handle, int id) {
        return handle.execute("INSERT INTO item (id) VALUES (?)", id);
    }

    private static int onCall(Handle handle) {
        return handle.createQuery("SELECT count(*) FROM item WHERE label = 'on call'")
                .mapTo(Integer.class)
                .one();
    }

    private List<Integer> ids(String table) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT id FROM " + table + " ORDER BY id")
                .mapTo(Integer.class)
                .list());
    }

    private static int backendPid(Handle handle) {
        return handle.createQuery("SELECT pg_backend_pid()")
                .mapTo(Integer.class)
                .one();
    }

    /** Terminates the backend {@code pid} from another connection and waits until it is gone. */
    private void terminate(int pid) {
        try (Handle other = jdbi.open()) {
            assertThat(other.createQuery("SELECT pg_terminate_backend(:pid)")
                            .bind("pid", pid)
                            .mapTo(Boolean.class)
                            .one())
                    .isTrue();
            Await.until(
                    "backend " + pid + " has exited",
                    TIMEOUT,
                    () -> other.createQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
                                    .bind("pid", pid)
                                    .mapTo(Integer.class)
                                    .one()
                            == 0);
        }
    }

    private boolean waitsForLock(int pid) {
        try (Handle other = jdbi.open()) {
            return other.createQuery("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted")
                            .bind("pid", pid)
                            .mapTo(Integer.class)
                            .one()
                    > 0;
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the other transaction did not get its lock in " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static Throwable failureOf(Future<?> future) {
        try {
            future.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("the transaction did not finish in " + TIMEOUT, e);
        }
    }

    /** The SQLSTATE of the first {@link SQLException} in the cause chain of {@code failure}. */
    private static String sqlState(Throwable failure) {
        assertThat(failure).as("failure").isNotNull();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql.getSQLState();
            }
        }
        throw new AssertionError("no SQLException in the cause chain of " + failure, failure);
    }
}
