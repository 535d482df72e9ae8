package dev.nizhal.pull;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.service.PullDefect;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The randomized oracle of TESTING.md against the correct pull ({@link OracleRun}): concurrent writers, clients that
 * behave like real ones, P2 checked inside each pull's transaction, P5 on every applied response, P1 after the
 * writers stop, and every kind of event counted. Every run prints its seed; rerun one with
 * {@code -Dnizhal.test.seed=N}. {@link RandomizedOracleTeethIT} shows that it fails against known defects.
 */
@ExtendWith(PostgresExtension.class)
class RandomizedOracleIT {
    private static final int OPERATIONS = Integer.getInteger("nizhal.test.oracleOperations", 2_000);

    private static TestDatabase db;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        SeedDatabase.sql(db, OracleRun.SCHEMA);
    }

    static Stream<Long> seeds() {
        Long fixed = Long.getLong("nizhal.test.seed");
        if (fixed != null) {
            return Stream.of(fixed);
        }
        return Stream.of(1L, 2L, 3L, 4L, 5L, new Random().nextLong());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void clientsConvergeNeverSeeALeakAndNeverGoBackInTime(long seed) throws Exception {
        OracleRun run = new OracleRun(db, seed, "", PullDefect.NONE, OPERATIONS, true, jdbi -> {});
        try {
            run.execute();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "randomized oracle failed with seed " + seed + " (rerun: -Dnizhal.test.seed=" + seed
                            + "); responses' rows bound at " + run.rowBytes()
                            + " bytes (0: the engine's own); counters "
                            + run.counters(),
                    e);
        }
        System.out.println(
                "oracle seed " + seed + ", responses' rows bound at " + run.rowBytes() + " bytes: " + run.counters());
    }
}
