package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.Await;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL stopped ({@code pg_ctl stop -m fast}, or {@code -m immediate}: a crash) and started again on the same
 * data folder and port while clients push and pull through a real {@code nizhal serve}, which keeps running. While
 * the database is down requests fail only with the documented transient error (503 {@code TRANSIENT}, retryable);
 * nothing is recorded as a rejection; after each restart everything caught in flight is acknowledged, and in the end
 * the check of {@link FaultCheck} holds.
 *
 * <p>The server runs with its default pool: a request waits 5 s for a connection, then fails as {@code TRANSIENT};
 * the database stays down 3-6 s after the stop, so requests both wait out an outage and fail during one.
 */
class PostgresRestartIT {

    @TempDir
    Path dir;

    @Test
    void postgresStoppedAndStartedUnderLoadGivesOnlyTransientErrorsAndConverges() throws IOException {
        long seed = FaultMode.seed("PostgresRestartIT");
        Random random = new Random(seed);
        int restarts = (int) FaultMode.pick(6, 40);
        Violations violations = new Violations();
        Tally tally = new Tally();
        long started = System.nanoTime();
        List<Long> outageMillis = new ArrayList<>();
        List<Long> convergeMillis = new ArrayList<>();

        try (PostgresCluster postgres = PostgresCluster.create(dir);
                ServerProcess server = ServerProcess.withNewKeys(
                        postgres.jdbcUrl(), "postgres", "", "postgres-restart-server.log", List.of())) {
            server.start(Duration.ofSeconds(120));
            SyncHttp http = new SyncHttp(server.base(), Duration.ofSeconds(30));
            Jdbi db = Jdbi.create(dataSource(postgres.jdbcUrl()));
            FaultCheck.Result check;
            try (ClientFleet fleet =
                    new ClientFleet(http, server.jwtSecret(), 2, seed, SimClient.Chaos.NONE, violations, tally)) {
                fleet.start(Long.MAX_VALUE);
                for (int r = 0; r < restarts; r++) {
                    LockSupport.parkNanos(
                            Duration.ofMillis(500 + random.nextInt(1500)).toNanos());
                    PostgresCluster.StopMode mode =
                            r % 2 == 0 ? PostgresCluster.StopMode.FAST : PostgresCluster.StopMode.IMMEDIATE;
                    Map<SimClient, Long> marks = fleet.issuedMarks();
                    long stoppedAt = System.nanoTime();
                    postgres.stop(mode);
                    tally.inc("stops" + mode);
                    LockSupport.parkNanos(
                            Duration.ofMillis(3000 + random.nextInt(3000)).toNanos());
                    postgres.start();
                    outageMillis.add((System.nanoTime() - stoppedAt) / 1_000_000);
                    Await.until(
                            "every mutation issued before stop " + (r + 1) + " (" + mode + ") is acknowledged",
                            Duration.ofSeconds(180),
                            () -> ClientFleet.acknowledged(marks));
                    convergeMillis.add((System.nanoTime() - stoppedAt) / 1_000_000);
                }
                fleet.stop();
                assertThat(server.alive())
                        .as("the server outlives the database's restarts")
                        .isTrue();
                check = FaultCheck.run(db, fleet.clients(), violations, Duration.ofSeconds(120));
            }
            long rejections = db.withHandle(
                    h -> h.createQuery("select count(*) from nizhal.mutation_journal where status = 'rejected'")
                            .mapTo(Long.class)
                            .one());
            FaultReport.print(
                    "PostgresRestartIT",
                    seed,
                    "restarts=" + restarts + " outageMs(min/med/max)=" + FaultReport.spread(outageMillis)
                            + " ackAfterStopMs(min/med/max)=" + FaultReport.spread(convergeMillis)
                            + " journalRejections=" + rejections,
                    check,
                    tally,
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(violations.count()).as(violations.describe()).isZero();
            assertThat(rejections).as("rejections recorded in the journal").isZero();
            assertThat(check.duplicated()).as("mutations applied twice").isZero();
            assertThat(check.lost()).as("acknowledged mutations lost").isZero();
            // the outages were seen: clients got the transient error while the database was down
            assertThat(tally.get("answered503TRANSIENT"))
                    .as("503 TRANSIENT answers")
                    .isPositive();
            assertThat(check.applied()).as("mutations applied").isGreaterThan(100);
        }
    }

    private static PGSimpleDataSource dataSource(String url) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser("postgres");
        return dataSource;
    }
}
