package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * kill -9 of a real {@code nizhal serve} at random points while clients push batches, restarted each time on the
 * same database; the clients retry with the same ids. In the end every acknowledged mutation ran exactly once and
 * every client converged ({@link FaultCheck}).
 */
@ExtendWith(PostgresExtension.class)
class KillNineIT {

    @Test
    void killNineDuringPushBatchesLosesNothingAndAppliesNothingTwice(TestDatabase db) {
        long seed = FaultMode.seed("KillNineIT");
        Random random = new Random(seed);
        int kills = (int) FaultMode.pick(8, 50);
        Violations violations = new Violations();
        Tally tally = new Tally();
        long started = System.nanoTime();
        List<Long> restartMillis = new ArrayList<>();
        List<Long> convergeMillis = new ArrayList<>();
        int killsDuringPush = 0;

        try (ServerProcess server =
                ServerProcess.withNewKeys(db.jdbcUrl(), db.user(), db.password(), "kill-nine-server.log", List.of())) {
            server.start(Duration.ofSeconds(120));
            SyncHttp http = new SyncHttp(server.base(), Duration.ofSeconds(30));
            FaultCheck.Result check;
            try (ClientFleet fleet = new ClientFleet(
                    http, server.jwtSecret(), 2, seed, new SimClient.Chaos(0, 0, 0, 0, 0.02), violations, tally)) {
                fleet.start(Long.MAX_VALUE);
                for (int k = 0; k < kills; k++) {
                    LockSupport.parkNanos(
                            Duration.ofMillis(300 + random.nextInt(1500)).toNanos());
                    // a random point, but one inside a push batch when there is one (there nearly always is)
                    long waitUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    while (fleet.clients().stream().allMatch(c -> c.pushesInFlight() == 0)
                            && System.nanoTime() < waitUntil) {
                        Thread.onSpinWait();
                    }
                    boolean duringPush = fleet.clients().stream().anyMatch(c -> c.pushesInFlight() > 0);
                    Map<SimClient, Long> marks = fleet.issuedMarks();
                    long killedAt = System.nanoTime();
                    server.kill();
                    killsDuringPush += duringPush ? 1 : 0;
                    LockSupport.parkNanos(Duration.ofMillis(random.nextInt(500)).toNanos());
                    server.start(Duration.ofSeconds(120));
                    restartMillis.add((System.nanoTime() - killedAt) / 1_000_000);
                    Await.until(
                            "every mutation issued before kill " + (k + 1) + " is acknowledged",
                            Duration.ofSeconds(180),
                            () -> ClientFleet.acknowledged(marks));
                    convergeMillis.add((System.nanoTime() - killedAt) / 1_000_000);
                }
                fleet.stop();
                check = FaultCheck.run(db.jdbi(), fleet.clients(), violations, Duration.ofSeconds(120));
            }
            FaultReport.print(
                    "KillNineIT",
                    seed,
                    "kills=" + kills + " killsDuringPush=" + killsDuringPush + " restartMs(min/med/max)="
                            + FaultReport.spread(restartMillis) + " ackAfterKillMs(min/med/max)="
                            + FaultReport.spread(convergeMillis),
                    check,
                    tally,
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(violations.count()).as(violations.describe()).isZero();
            assertThat(check.duplicated()).as("mutations applied twice").isZero();
            assertThat(check.lost()).as("acknowledged mutations lost").isZero();
            // the fault was real: kills caught batches in flight, and the clients had to retry what had committed
            assertThat(killsDuringPush).as("kills during a push batch").isPositive();
            assertThat(tally.get("pushFailed")).as("pushes cut off by a kill").isPositive();
            assertThat(check.applied()).as("mutations applied").isGreaterThan(100);
            assertThat(tally.get("acknowledgedRejected"))
                    .as("rejections recorded")
                    .isPositive();
        }
    }
}
