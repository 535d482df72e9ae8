package dev.nizhal.adapters.jdbi.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class TestServerTest {

    private static final BooleanSupplier DOCKER_MUST_NOT_BE_ASKED = () -> {
        throw new AssertionError("Docker was asked although NIZHAL_TEST_JDBC_URL is set");
    };

    @Test
    void anExternalUrlWinsAndDockerIsNotAsked() {
        ServerChoice choice = ServerChoice.choose(
                Map.of(
                        "NIZHAL_TEST_JDBC_URL", " jdbc:postgresql://db.example:6543/postgres?sslmode=require ",
                        "NIZHAL_TEST_JDBC_USER", "nizhal",
                        "NIZHAL_TEST_JDBC_PASSWORD", "secret"),
                DOCKER_MUST_NOT_BE_ASKED);

        assertThat(choice)
                .isEqualTo(new ServerChoice.External(
                        "jdbc:postgresql://db.example:6543/postgres?sslmode=require", "nizhal", "secret"));
    }

    @Test
    void credentialsMayComeWithTheUrl() {
        ServerChoice choice = ServerChoice.choose(
                Map.of("NIZHAL_TEST_JDBC_URL", "jdbc:postgresql://db.example/postgres?user=bob&password=s%40cret"),
                DOCKER_MUST_NOT_BE_ASKED);

        assertThat(choice).isInstanceOfSatisfying(ServerChoice.External.class, external -> {
            assertThat(external.user()).isEqualTo("bob");
            assertThat(external.password()).isEqualTo("s@cret");
        });
    }

    @Test
    void theVariablesWinOverCredentialsInTheUrl() {
        ServerChoice choice = ServerChoice.choose(
                Map.of(
                        "NIZHAL_TEST_JDBC_URL", "jdbc:postgresql://db.example/postgres?user=bob&password=old",
                        "NIZHAL_TEST_JDBC_USER", "alice",
                        "NIZHAL_TEST_JDBC_PASSWORD", "new"),
                DOCKER_MUST_NOT_BE_ASKED);

        assertThat(choice)
                .isEqualTo(new ServerChoice.External(
                        "jdbc:postgresql://db.example/postgres?user=bob&password=old", "alice", "new"));
    }

    @Test
    void withoutAnUrlDockerDecides() {
        assertThat(ServerChoice.choose(Map.of(), () -> true)).isEqualTo(new ServerChoice.Container());
        assertThat(ServerChoice.choose(Map.of(), () -> false)).isEqualTo(new ServerChoice.Embedded());
        assertThat(ServerChoice.choose(Map.of("NIZHAL_TEST_JDBC_URL", "  "), () -> false))
                .isEqualTo(new ServerChoice.Embedded());
    }

    @Test
    void anUrlThatIsNotPostgresFailsNamingTheVariable() {
        assertThatThrownBy(() -> ServerChoice.choose(
                        Map.of("NIZHAL_TEST_JDBC_URL", "jdbc:mysql://db.example/test"), DOCKER_MUST_NOT_BE_ASKED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NIZHAL_TEST_JDBC_URL")
                .hasMessageContaining("jdbc:mysql://db.example/test");
    }

    @Test
    void theDatabaseOfAnUrlIsReplacedKeepingHostsAndParameters() {
        assertThat(TestServer.withDatabase("jdbc:postgresql://localhost:5432/postgres", "nizhal_a"))
                .isEqualTo("jdbc:postgresql://localhost:5432/nizhal_a");
        assertThat(TestServer.withDatabase(
                        "jdbc:postgresql://h1:5433,h2/postgres?user=bob&sslmode=require", "nizhal_a"))
                .isEqualTo("jdbc:postgresql://h1:5433,h2/nizhal_a?user=bob&sslmode=require");
        assertThat(TestServer.withDatabase("jdbc:postgresql://localhost/", "nizhal_a"))
                .isEqualTo("jdbc:postgresql://localhost/nizhal_a");
        assertThat(TestServer.withDatabase("jdbc:postgresql://localhost?loggerLevel=OFF", "nizhal_a"))
                .isEqualTo("jdbc:postgresql://localhost/nizhal_a?loggerLevel=OFF");
    }

    @Test
    void databaseNamesAreShortLowerCaseIdentifiers() {
        assertThat(TestServer.databaseName("JdbiTransactionsIT", "abc123"))
                .isEqualTo("nizhal_jdbitransactionsit_abc123");
        assertThat(TestServer.databaseName("Outer$Inner Class", "x")).isEqualTo("nizhal_outer_inner_class_x");

        String longName = TestServer.databaseName("A".repeat(200), "1y2p0ij32e8e7");
        assertThat(longName).hasSize(63).matches("[a-z0-9_]+").endsWith("_1y2p0ij32e8e7");
    }

    @Test
    void aTestDatabaseShowsNoPassword() {
        TestDatabase database = new TestDatabase(
                "nizhal_x", "jdbc:postgresql://db.example/nizhal_x?user=bob&password=s3cret&ssl=true", "bob", "s3cret");

        assertThat(database.toString())
                .isEqualTo(
                        "TestDatabase[nizhal_x at jdbc:postgresql://db.example/nizhal_x?user=bob&password=***&ssl=true]");
    }

    @Test
    void twoPhaseCommitCheckNamesTheSetting() {
        assertThatCode(() -> TestDatabase.checkTwoPhaseCommit(20)).doesNotThrowAnyException();
        assertThatThrownBy(() -> TestDatabase.checkTwoPhaseCommit(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("max_prepared_transactions = 0");
    }
}
