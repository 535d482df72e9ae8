package dev.nizhal.adapters.jdbi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

@ExtendWith(PostgresExtension.class)
class PostgresExtensionIT {

    /** Database names the fixture classes saw, by fixture class. */
    static final Map<Class<?>, String> SEEN = new ConcurrentHashMap<>();

    @Test
    void eachTestClassGetsItsOwnEmptyDatabaseWhichIsDroppedAfterIt(TestDatabase database) {
        SEEN.clear();

        Events tests = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FirstFixture.class), selectClass(SecondFixture.class))
                .execute()
                .testEvents();

        assertThat(tests.failed().stream()
                        .map(event -> event.getRequiredPayload(TestExecutionResult.class)
                                .getThrowable()
                                .orElseThrow()))
                .as("failures in the fixture classes")
                .isEmpty();
        tests.assertStatistics(stats -> stats.started(3).succeeded(3));

        String first = SEEN.get(FirstFixture.class);
        String second = SEEN.get(SecondFixture.class);
        assertThat(first).startsWith("nizhal_firstfixture_");
        assertThat(second).startsWith("nizhal_secondfixture_");
        if (TestServer.keep()) {
            assertThat(databasesNamed(List.of(first, second)))
                    .as("kept databases")
                    .isEqualTo(2);
        } else {
            assertThat(databasesNamed(List.of(first, second)))
                    .as("databases left after the fixture classes")
                    .isZero();
            int leftPrepared = database.jdbi()
                    .withHandle(handle -> handle.createQuery(
                                    "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'nizhal-left-behind'")
                            .mapTo(Integer.class)
                            .one());
            assertThat(leftPrepared)
                    .as("prepared transactions left after the fixture classes")
                    .isZero();
        }
    }

    private static int databasesNamed(List<String> names) {
        TestServer.Endpoint server = TestServer.shared().endpoint();
        try (Handle handle =
                Jdbi.open(TestServer.dataSource(server.adminJdbcUrl(), server.user(), server.password()))) {
            return handle.createQuery("SELECT count(*) FROM pg_database WHERE datname IN (<names>)")
                    .bindList("names", names)
                    .mapTo(Integer.class)
                    .one();
        }
    }

    @Test
    void theServerAllowsTwoPhaseCommit(TestDatabase database) {
        database.requireTwoPhaseCommit();
        Jdbi jdbi = database.jdbi();
        jdbi.useHandle(handle -> handle.execute("CREATE TABLE two_phase (id int PRIMARY KEY)"));

        try (Handle preparing = jdbi.open();
                Handle other = jdbi.open()) {
            assertThat(other.createQuery("SHOW max_prepared_transactions")
                            .mapTo(Integer.class)
                            .one())
                    .isPositive();
            preparing.execute("BEGIN");
            preparing.execute("INSERT INTO two_phase VALUES (1)");
            preparing.execute("PREPARE TRANSACTION 'nizhal-round-trip'");

            assertThat(other.createQuery("SELECT count(*) FROM two_phase")
                            .mapTo(Integer.class)
                            .one())
                    .as("rows of the prepared, not yet committed transaction")
                    .isZero();
            assertThat(other.createQuery("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")
                            .mapTo(String.class)
                            .list())
                    .containsExactly("nizhal-round-trip");

            other.execute("COMMIT PREPARED 'nizhal-round-trip'");

            assertThat(other.createQuery("SELECT id FROM two_phase")
                            .mapTo(Integer.class)
                            .list())
                    .containsExactly(1);
        }
    }

    @Test
    void anExternalServerGetsItsDatabasesTheSameWay() {
        // the JVM's own server stands in for an external one given by NIZHAL_TEST_JDBC_URL
        TestServer.Endpoint shared = TestServer.shared().endpoint();
        String adminUrl = shared.adminJdbcUrl();
        String url = adminUrl + (adminUrl.contains("?") ? "&" : "?") + "ApplicationName=nizhal-external-test";
        ServerChoice choice = ServerChoice.choose(
                Map.of(
                        "NIZHAL_TEST_JDBC_URL", url,
                        "NIZHAL_TEST_JDBC_USER", shared.user(),
                        "NIZHAL_TEST_JDBC_PASSWORD", shared.password()),
                () -> {
                    throw new AssertionError("Docker asked");
                });
        TestServer external = TestServer.start(choice, 0);

        TestDatabase database = external.createDatabase("External");
        try {
            assertThat(database.jdbcUrl()).isEqualTo(TestServer.withDatabase(url, database.name()));
            String connectedTo = database.jdbi()
                    .withHandle(handle -> handle.createQuery(
                                    "SELECT current_database() || ' ' || current_setting('application_name')")
                            .mapTo(String.class)
                            .one());
            assertThat(connectedTo).isEqualTo(database.name() + " nizhal-external-test");
        } finally {
            external.dropDatabase(database);
        }
        assertThat(databasesNamed(List.of(database.name()))).isZero();
    }

    /** Run by the test above through the test kit, not directly: the name ends in neither Test nor IT. */
    @ExtendWith(PostgresExtension.class)
    static class FirstFixture {
        @Test
        void seesAnEmptyDatabaseOfItsOwn(TestDatabase database) {
            checkEmptyAndMark(FirstFixture.class, database);
        }

        @Nested
        class NestedFixture {
            @Test
            void sharesTheDatabaseOfItsEnclosingClass(TestDatabase database) {
                // Jupiter runs the enclosing class's methods before its @Nested classes
                assertThat(database.name()).isEqualTo(SEEN.get(FirstFixture.class));
                int markers = database.jdbi()
                        .withHandle(handle -> handle.createQuery("SELECT count(*) FROM marker")
                                .mapTo(Integer.class)
                                .one());
                assertThat(markers).as("rows in the enclosing class's table").isZero();
            }
        }
    }

    @ExtendWith(PostgresExtension.class)
    static class SecondFixture {
        @Test
        void seesAnEmptyDatabaseOfItsOwnAndLeavesAPreparedTransaction(TestDatabase database) {
            checkEmptyAndMark(SecondFixture.class, database);
            database.requireTwoPhaseCommit();
            // the extension must roll this back, or it could not drop the database
            database.jdbi().useHandle(handle -> {
                handle.execute("BEGIN");
                handle.execute("INSERT INTO marker VALUES (1)");
                handle.execute("PREPARE TRANSACTION 'nizhal-left-behind'");
            });
        }
    }

    private static void checkEmptyAndMark(Class<?> fixture, TestDatabase database) {
        database.jdbi().useHandle(handle -> {
            assertThat(handle.createQuery("SELECT current_database()")
                            .mapTo(String.class)
                            .one())
                    .isEqualTo(database.name());
            assertThat(handle.createQuery(
                                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                            + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")
                            .mapTo(Integer.class)
                            .one())
                    .as("relations in a fresh database (a table of another class would show here)")
                    .isZero();
            handle.execute("CREATE TABLE marker (id int PRIMARY KEY)");
        });
        SEEN.put(fixture, database.name());
    }
}
