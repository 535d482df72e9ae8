package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.NizhalServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 2 of issue 13 §1: a transaction held open for a long time (a batch job writing outside Nizhal) while others
 * commit and clients pull. It inserts two of an actor's rows and updates a third first, and commits last; a second one
 * does the same and rolls back. Meanwhile that actor's other device and another actor push increments and both clients
 * pull over HTTP: every pull must answer within a generous deadline and deliver the others' commits, and the held rows
 * must not show before the commit; after it they must arrive (the next window delivers a transaction that started
 * before it, CHANGE-CAPTURE.md scenario 1), and the rolled-back ones never.
 *
 * <p>Short mode: held 20 s; {@code -Dfaults=long}: held 3 minutes.
 */
@ExtendWith(PostgresExtension.class)
class LongTransactionIT {
    private static final System.Logger LOG = System.getLogger(LongTransactionIT.class.getName());
    private static final boolean LONG = "long".equals(System.getProperty("faults.mode"));
    private static final Duration HOLD = LONG ? Duration.ofMinutes(3) : Duration.ofSeconds(20);
    /** Generous: a pull on this shared machine answers in tens of milliseconds; a stalled one never. */
    private static final Duration PULL_DEADLINE = Duration.ofSeconds(5);

    private static TestDatabase db;
    private static HikariDataSource pool;
    private static NizhalServer server;

    @BeforeAll
    static void start(TestDatabase database) {
        db = database;
        CounterApp.createSchema(db);
        pool = CounterApp.pool(db.jdbcUrl(), db, config -> {});
        Nizhal nizhal = CounterApp.engine(pool);
        server = NizhalServer.builder(nizhal, CounterApp.ACTORS)
                .host("127.0.0.1")
                .port(0)
                .start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        pool.close();
    }

    private static Connection openTransaction() throws SQLException {
        Connection connection = db.dataSource().getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    private static void run(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void aTransactionHeldOpenStallsNoPullAndItsRowsArriveAfterItCommitsNeverBefore() throws SQLException {
        WireClient hana = new WireClient(server.uri(), "hana", "c-hana-phone");
        WireClient hanaLaptop = new WireClient(server.uri(), "hana", "c-hana-laptop");
        WireClient ivo = new WireClient(server.uri(), "ivo", "c-ivo");
        db.jdbi().useHandle(h -> h.execute("insert into counters(id, owner_id, n) values ('hana-base', 'hana', 1)"));
        FaultChecks.converged(db, hana);

        try (Connection held = openTransaction();
                Connection rolledBack = openTransaction()) {
            run(
                    held,
                    "insert into counters(id, owner_id, n) values ('hana-held-1', 'hana', 1), ('hana-held-2', 'hana', 2)");
            run(held, "update counters set n = 100 where id = 'hana-base'");
            run(rolledBack, "insert into counters(id, owner_id, n) values ('hana-rolled', 'hana', 1)");
            long until = System.nanoTime() + HOLD.toNanos();
            int rounds = 0;
            while (System.nanoTime() < until) {
                rounds++;
                hanaLaptop.bump("hana-live");
                hanaLaptop.pushAll(Duration.ofSeconds(30));
                ivo.bump("ivo-live");
                ivo.pushAll(Duration.ofSeconds(30));
                hana.sync();
                ivo.sync();
                // the others' commits arrived, the held ones not
                assertThat(hana.rows("counters").get("hana-live").get("n").asLong())
                        .as("round %d: hana's other device's increments", rounds)
                        .isEqualTo(rounds);
                assertThat(ivo.rows("counters").get("ivo-live").get("n").asLong())
                        .isEqualTo(rounds);
                assertThat(hana.rows("counters"))
                        .as("round %d: nothing of the open transactions", rounds)
                        .doesNotContainKeys("hana-held-1", "hana-held-2", "hana-rolled");
                assertThat(hana.rows("counters").get("hana-base").get("n").asLong())
                        .isEqualTo(1);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing, not waiting
            }
            assertThat(hana.slowestPull()).as("the slowest pull while held").isLessThan(PULL_DEADLINE);
            assertThat(ivo.slowestPull()).isLessThan(PULL_DEADLINE);
            rolledBack.rollback();
            held.commit();
            long committed = System.nanoTime();
            int pulls = FaultChecks.converged(db, hana);
            long arrived = System.nanoTime() - committed;

            assertThat(hana.rows("counters"))
                    .containsKeys("hana-held-1", "hana-held-2")
                    .doesNotContainKey("hana-rolled");
            assertThat(hana.rows("counters").get("hana-base").get("n").asLong()).isEqualTo(100);
            FaultChecks.converged(db, hanaLaptop);
            FaultChecks.converged(db, ivo);
            FaultChecks.appliedExactlyOnce(db, List.of(hana, hanaLaptop, ivo));
            LOG.log(
                    System.Logger.Level.INFO,
                    "held {0} s: {1} rounds, {2} + {3} pulls, slowest {4} / {5} ms; the held rows arrived {6} ms after"
                            + " the commit ({7} pulls)",
                    HOLD.toSeconds(),
                    rounds,
                    hana.pulls.get(),
                    ivo.pulls.get(),
                    hana.slowestPull().toMillis(),
                    ivo.slowestPull().toMillis(),
                    arrived / 1_000_000,
                    pulls);
        }
    }
}
