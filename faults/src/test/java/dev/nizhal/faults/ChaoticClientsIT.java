package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients as networks and devices make them, against a real {@code nizhal serve}: offline periods, duplicated and
 * reordered pushes and pulls, answers dropped after the request ran, answers applied late. The end check holds
 * ({@link FaultCheck}); and it has teeth: a double apply, a lost effect and a wrong counter put into the database
 * afterwards are each caught.
 */
@ExtendWith(PostgresExtension.class)
class ChaoticClientsIT {

    @Test
    void offlineDuplicatedReorderedAndDroppedTrafficConvergesWithNothingLostOrDoubled(TestDatabase db) {
        long seed = FaultMode.seed("ChaoticClientsIT");
        long steps = FaultMode.pick(30_000, 1_000_000);
        Duration limit = Duration.ofSeconds(FaultMode.pick(100, 4 * 3600));
        Violations violations = new Violations();
        Tally tally = new Tally();
        long started = System.nanoTime();

        try (ServerProcess server = ServerProcess.withNewKeys(
                db.jdbcUrl(), db.user(), db.password(), "chaotic-clients-server.log", List.of())) {
            server.start(Duration.ofSeconds(120));
            SyncHttp http = new SyncHttp(server.base(), Duration.ofSeconds(30));
            FaultCheck.Result check;
            long steppingMillis;
            try (ClientFleet fleet = new ClientFleet(
                    http,
                    server.jwtSecret(),
                    3,
                    seed,
                    new SimClient.Chaos(0.004, 0.05, 0.05, 0.1, 0.03),
                    violations,
                    tally)) {
                long stepStart = System.nanoTime();
                fleet.start(steps);
                try {
                    Await.until("the clients' steps are done", limit, () -> !fleet.stepping());
                } catch (AssertionError timeLimit) {
                    // the short mode bounds its time; the steps taken so far are reported
                }
                fleet.stop();
                steppingMillis = (System.nanoTime() - stepStart) / 1_000_000;
                check = FaultCheck.run(db.jdbi(), fleet.clients(), violations, Duration.ofSeconds(120));
                FaultReport.print(
                        "ChaoticClientsIT",
                        seed,
                        "clients=" + fleet.clients().size() + " steppingMs=" + steppingMillis + " stepsPerSecond="
                                + tally.get("steps") * 1000 / Math.max(1, steppingMillis),
                        check,
                        tally,
                        (System.nanoTime() - started) / 1_000_000);
                assertThat(violations.count()).as(violations.describe()).isZero();
                assertThat(check.duplicated()).as("mutations applied twice").isZero();
                assertThat(check.lost()).as("acknowledged mutations lost").isZero();
                // coverage: each kind of chaos happened, and the paths it should take were taken
                for (String counter : List.of(
                        "offlinePeriods",
                        "pushDuplicated",
                        "pushReordered",
                        "pushAnswersDropped",
                        "pushReplayed",
                        "pushMutationOrder",
                        "pullDuplicated",
                        "pullAnswersDropped",
                        "pullStaleRefused",
                        "pullLateApplied",
                        "acknowledgedRejected")) {
                    assertThat(tally.get(counter)).as(counter).isPositive();
                }
                assertThat(check.applied()).as("mutations applied").isGreaterThan(1000);

                teeth(db, fleet, check);
            }
        }
    }

    /** The end check fails on a double apply, a lost effect and a wrong counter, each put in by hand. */
    private static void teeth(TestDatabase db, ClientFleet fleet, FaultCheck.Result passed) {
        SimClient client = fleet.clients().getFirst();
        long applied = client.outcomes().entrySet().stream()
                .filter(e -> e.getValue().status().equals("applied"))
                .filter(e -> client.issued().get(e.getKey()).name().equals("append"))
                .mapToLong(java.util.Map.Entry::getKey)
                .findFirst()
                .orElseThrow();
        db.jdbi().useHandle(h -> {
            h.execute(
                    "insert into fault_applied(client_id, mutation_id, name) values (?, ?, 'append')",
                    client.clientId(),
                    applied);
            h.execute("delete from fault_entries where client_id = ? and mutation_id = ?", client.clientId(), applied);
            h.execute("update fault_counters set value = value + 1 where id = (select min(id) from fault_counters)");
        });
        Violations violations = new Violations();
        FaultCheck.Result broken = FaultCheck.run(db.jdbi(), fleet.clients(), violations, Duration.ofSeconds(60));
        assertThat(broken.duplicated()).isOne();
        assertThat(violations.describe())
                .contains("DUPLICATED: Run[clientId=" + client.clientId() + ", mutationId=" + applied + "]")
                .contains("append applied, 0 entries")
                .contains("the acknowledged increments sum to");
        assertThat(passed.duplicated()).isZero();
    }
}
