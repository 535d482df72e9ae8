package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.NizhalServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 3 of issue 13 §1: a client offline longer than the change log's retention. The retention runs as its jobs run
 * it ({@code RetentionJobs}: a snapshot mark, then a trim to the newest mark older than the retention), only faster: a
 * mark every 200 ms and a trim every 500 ms, with a retention of seconds (the production intervals, a minute and an
 * hour, are not configurable from outside the package, so the test calls the engine's {@link Nizhal#takeSnapshotMark()}
 * and {@link Nizhal#trimChangeLog} on its own scheduler, as the jobs do). While one client is away, its actor's other
 * device keeps pushing and a writer outside Nizhal deletes one of its rows: a client that was not reset would keep that
 * row (a silent gap). A client that keeps pulling meanwhile must never be reset.
 *
 * <p>Short mode: retention 2 s, away 3 retentions; {@code -Dfaults=long}: retention 20 s, away 3 retentions.
 */
@ExtendWith(PostgresExtension.class)
class RetentionGapIT {
    private static final System.Logger LOG = System.getLogger(RetentionGapIT.class.getName());
    private static final boolean LONG = "long".equals(System.getProperty("faults.mode"));
    private static final Duration RETENTION = LONG ? Duration.ofSeconds(20) : Duration.ofSeconds(2);

    private static TestDatabase db;
    private static HikariDataSource pool;
    private static Nizhal nizhal;
    private static NizhalServer server;

    @BeforeAll
    static void start(TestDatabase database) {
        db = database;
        CounterApp.createSchema(db);
        pool = CounterApp.pool(db.jdbcUrl(), db, config -> {});
        nizhal = CounterApp.engine(pool);
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

    private static void sql(String statement) {
        db.jdbi().useHandle(h -> h.execute(statement));
    }

    private static void quietly(String job, Runnable run) {
        try {
            run.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the retention " + job + " failed; the next turn tries again", e);
        }
    }

    @Test
    void aClientAwayLongerThanTheRetentionIsResetAndResyncsNeverAGapWhileAClientThatStaysIsNeverReset() {
        WireClient away = new WireClient(server.uri(), "olga", "c-olga-phone");
        WireClient otherDevice = new WireClient(server.uri(), "olga", "c-olga-laptop");
        WireClient staying = new WireClient(server.uri(), "omar", "c-omar");
        sql("insert into counters(id, owner_id, n) values ('olga-doomed', 'olga', 7)");
        away.bump("olga-1");
        away.pushAll(Duration.ofSeconds(30));
        FaultChecks.converged(db, away);
        FaultChecks.converged(db, staying);
        assertThat(away.rows("counters")).containsKeys("olga-doomed", "olga-1");
        String awayCursor = away.cursor();

        ScheduledExecutorService retention = Executors.newSingleThreadScheduledExecutor();
        AtomicLong trimmed = new AtomicLong();
        AtomicInteger trims = new AtomicInteger();
        try {
            // as RetentionJobs does: a failed turn is logged and the next one runs (an exception would end the job)
            retention.scheduleWithFixedDelay(
                    () -> quietly("mark", nizhal::takeSnapshotMark), 0, 200, TimeUnit.MILLISECONDS);
            retention.scheduleWithFixedDelay(
                    () -> quietly(
                            "trim",
                            () -> nizhal.trimChangeLog(RETENTION).ifPresent(n -> {
                                trims.incrementAndGet();
                                trimmed.addAndGet(n);
                            })),
                    500,
                    500,
                    TimeUnit.MILLISECONDS);
            long awayUntil = System.nanoTime() + RETENTION.multipliedBy(3).toNanos();
            long hardStop =
                    System.nanoTime() + RETENTION.multipliedBy(3).plusMinutes(2).toNanos();
            sql("delete from counters where id = 'olga-doomed'");
            int round = 0;
            while ((System.nanoTime() < awayUntil || trims.get() < 2) && System.nanoTime() < hardStop) {
                round++;
                otherDevice.bump("olga-2");
                otherDevice.stamp("laptop " + round);
                otherDevice.pushAll(Duration.ofSeconds(30));
                staying.bump("omar-1");
                staying.pushAll(Duration.ofSeconds(30));
                if (round % 5 == 0) {
                    sql("insert into counters(id, owner_id, n) values ('olga-ext-" + round + "', 'olga', 1)");
                }
                staying.sync();
            }
            // the away client's window is gone: entries it never saw were trimmed
            assertThat(trimmed.get()).as("change-log entries trimmed").isPositive();
            long staleEntries = db.jdbi()
                    .withHandle(h -> h.createQuery("select count(*) from nizhal.change_log"
                                    + " where bucket = :b and 'olga-doomed' = any(pks)")
                            .bind("b", CounterApp.bucketOf("olga"))
                            .mapTo(Long.class)
                            .one());
            assertThat(staleEntries)
                    .as("the delete the away client never saw, trimmed")
                    .isZero();

            long back = System.nanoTime();
            var first = away.pull(200);
            assertThat(away.cursor()).isNotEqualTo(awayCursor);
            assertThat(first.get("reset").asBoolean())
                    .as("the first pull after the retention: reset")
                    .isTrue();
            int pulls = FaultChecks.converged(db, away) + 1;
            long resynced = System.nanoTime() - back;

            assertThat(away.rows("counters")).doesNotContainKey("olga-doomed");
            assertThat(away.resets.get()).isEqualTo(1);
            assertThat(staying.resets.get())
                    .as("resets of the client that kept pulling")
                    .isZero();
            FaultChecks.converged(db, otherDevice);
            FaultChecks.converged(db, staying);
            FaultChecks.appliedExactlyOnce(db, List.of(away, otherDevice, staying));
            LOG.log(
                    System.Logger.Level.INFO,
                    "retention {0} ms: {1} rounds, {2} trims ({3} entries); the away client reset and resynced in {4}"
                            + " ms ({5} pulls); the staying client {6} pulls, 0 resets, slowest {7} ms",
                    RETENTION.toMillis(),
                    round,
                    trims.get(),
                    trimmed.get(),
                    resynced / 1_000_000,
                    pulls,
                    staying.pulls.get(),
                    staying.slowestPull().toMillis());
        } finally {
            retention.shutdownNow();
        }
    }
}
