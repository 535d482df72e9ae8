package dev.nizhal.pull;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.service.PullDefect;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Teeth (TESTING.md): each scenario fails against the known-broken pull it guards against, so a suite that passes
 * proves something, and it fails at the check that guards that rule (the description of the assertion, one of the
 * {@code S*} constants of {@link Scenarios}), not merely somewhere. Here the window is read before load pages in a
 * request, so scenario 2's defect shows as the moved row being deleted and re-sent by the load (never lost), scenario
 * 8 shows the loss the same defect causes when the row is moved in behind its load position, and scenario 6 guards
 * that a loading bucket joins log selection; a load completed in a request but not counted as held shows in scenario
 * 7 (the first pull does not drain).
 */
@ExtendWith(PostgresExtension.class)
class ScenarioTeethIT {
    private static TestDatabase db;
    private static int runs;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        SeedDatabase.sql(db, SeedDatabase.SCHEMA);
    }

    static Stream<Arguments> defects() {
        return Stream.of(
                teeth(PullDefect.S_HI_PER_PAGE, "scenario 1", Scenarios::scenario1, Scenarios.S1_EVERY_NOTE),
                teeth(
                        PullDefect.READ_SET_WITHOUT_LOADS,
                        "scenario 2",
                        Scenarios::scenario2,
                        Scenarios.S2_MOVED_ROW_NEVER_DELETED),
                teeth(
                        PullDefect.LOADS_NOT_INTERSECTED,
                        "scenario 3",
                        Scenarios::scenario3,
                        Scenarios.S3_DROPPED_LOAD_REVOKED),
                teeth(PullDefect.STALE_HAS_MORE, "scenario 4", Scenarios::scenario4, Scenarios.S4_LATER_COMMITS),
                teeth(
                        PullDefect.SERVED_AS_READ_SET,
                        "scenario 5",
                        Scenarios::scenario5,
                        Scenarios.S5_NO_ROW_LABELLED_QUEUED),
                teeth(PullDefect.LOADS_NOT_IN_LOG, "scenario 6", Scenarios::scenario6, Scenarios.S6_DELETE_DURING_LOAD),
                teeth(PullDefect.LOADED_NOT_HELD, "scenario 7", Scenarios::scenario7, Scenarios.S7_FIRST_PULL_DRAINS),
                teeth(
                        PullDefect.READ_SET_WITHOUT_LOADS,
                        "scenario 8",
                        Scenarios::scenario8,
                        Scenarios.S8_MOVED_BEHIND_LOAD_KEPT));
    }

    private static Arguments teeth(PullDefect defect, String name, Consumer<Scenarios> scenario, String check) {
        return Arguments.of(defect, name, scenario, check);
    }

    @ParameterizedTest(name = "{1} fails with {0} at: {3}")
    @MethodSource("defects")
    void theScenarioFailsAgainstTheBrokenPullAtTheCheckThatGuardsIt(
            PullDefect defect, String name, Consumer<Scenarios> scenario, String check) {
        Scenarios broken = new Scenarios(SeedDatabase.engine(db, Fixtures.seedRules(), null, defect), db, ++runs);

        // AssertJ puts an assertion's description in brackets at the start of its message
        assertThatThrownBy(() -> scenario.accept(broken))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("[" + check + "]");
    }
}
