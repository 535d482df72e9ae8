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
 * proves something.
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
                Arguments.of(PullDefect.S_HI_PER_PAGE, "scenario 1", (Consumer<Scenarios>) Scenarios::scenario1),
                Arguments.of(
                        PullDefect.LOADS_NOT_INTERSECTED, "scenario 3", (Consumer<Scenarios>) Scenarios::scenario3),
                Arguments.of(PullDefect.STALE_HAS_MORE, "scenario 4", (Consumer<Scenarios>) Scenarios::scenario4),
                Arguments.of(PullDefect.SERVED_AS_READ_SET, "scenario 5", (Consumer<Scenarios>) Scenarios::scenario5));
    }

    @ParameterizedTest(name = "{1} fails with {0}")
    @MethodSource("defects")
    void theScenarioFailsAgainstTheBrokenPull(PullDefect defect, String name, Consumer<Scenarios> scenario) {
        Scenarios broken = new Scenarios(SeedDatabase.engine(db, Fixtures.seedRules(), null, defect), db, ++runs);

        assertThatThrownBy(() -> scenario.accept(broken)).isInstanceOf(AssertionError.class);
    }
}
