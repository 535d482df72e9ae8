package dev.nizhal.server.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migrate}, {@code lint}, {@code rotate-identity}, {@code forget-cursor-key} and the cursor key check of {@code
 * serve} against a real PostgreSQL given by JDBC URL.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliOperationsIT {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final TestDatabase database;

    @TempDir
    Path folder;

    CliOperationsIT(TestDatabase database) {
        this.database = database;
    }

    @BeforeEach
    void clearOutput() {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }

    private NizhalCli cli() {
        // the password through the environment, as the README advises
        return NizhalCli.create()
                .environment(Map.of("NIZHAL_JDBC_PASSWORD", database.password()))
                .out(new PrintWriter(out, true))
                .err(new PrintWriter(err, true));
    }

    private int run(NizhalCli cli, String command, Class<?> app, String... more) {
        List<String> args = new ArrayList<>(List.of(
                command,
                "--jdbc-url",
                database.jdbcUrl(),
                "--jdbc-user",
                database.user(),
                "--data-dir",
                folder.toString()));
        if (app != null) {
            args.addAll(List.of("--app", app.getName()));
        }
        args.addAll(List.of(more));
        return cli.execute(args.toArray(String[]::new));
    }

    private String identity() {
        return database.jdbi()
                .withHandle(h -> h.createQuery("select identity from nizhal.meta")
                        .mapTo(String.class)
                        .one());
    }

    @Test
    @Order(1)
    void refusedRulesFailMigrateInOneLineAndLeaveTheDatabaseAlone() {
        int exit = run(cli(), "migrate", TestApps.Leaky.class);

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .hasLineCount(1)
                .contains("the sync rules are refused")
                .contains("nizhal lint");
        boolean installed = database.jdbi()
                .withHandle(h -> h.createQuery("select to_regclass('nizhal.meta') is not null")
                        .mapTo(Boolean.class)
                        .one());
        assertThat(installed).isFalse();
    }

    @Test
    @Order(2)
    void migratePreparesTheAppAndInstallsNizhalThenIsANoOp() {
        assertThat(run(cli(), "migrate", TestApps.Notes.class)).isZero();
        assertThat(out.toString()).contains("capture triggers (re)generated");
        assertThat(identity()).isNotBlank();

        clearOutput();
        assertThat(run(cli(), "migrate", TestApps.Notes.class)).isZero();
        assertThat(out.toString()).contains("already current");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    @Order(3)
    void lintPrintsTheReportAndFailsOnErrors() {
        assertThat(run(cli(), "lint", TestApps.Notes.class)).isZero();
        assertThat(out.toString()).doesNotContain("ERROR");

        clearOutput();
        assertThat(run(cli(), "lint", TestApps.Leaky.class)).isEqualTo(1);
        assertThat(out.toString())
                .contains("ERROR PARAMETER_UNUSED rule=everything")
                .contains("refused");
    }

    @Test
    @Order(4)
    void rotateIdentityGivesTheDatabaseANewIdentity() {
        String before = identity();

        assertThat(run(cli(), "rotate-identity", TestApps.Notes.class)).isZero();

        assertThat(identity()).isNotEqualTo(before);
        assertThat(out.toString()).contains("every client resets");
    }

    @Test
    @Order(5)
    void theOneServiceLoaderEntryIsTheApp() throws IOException {
        NizhalCli cli = cli().classLoader(TestApps.serviceLoader(folder, TestApps.Notes.class.getName()));

        assertThat(run(cli, "lint", null)).isZero();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    @Order(6)
    void anUnreachableDatabaseIsOneLineWithoutStackTrace() {
        int exit = cli().execute(
                        "migrate",
                        "--app",
                        TestApps.Notes.class.getName(),
                        "--jdbc-url",
                        "jdbc:postgresql://127.0.0.1:1/nizhal?password=secret-in-url");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .hasLineCount(1)
                .contains("cannot connect to jdbc:postgresql://127.0.0.1:1/nizhal?password=***")
                .doesNotContain("secret-in-url")
                .doesNotContain("\tat ");
    }

    @Test
    @Order(7)
    void aSecondServeWithTheSameCursorKeyStartsWithAnotherOrNoneItIsRefusedNamingTheSetting() {
        String key = Base64.getEncoder().encodeToString("first-instance-cursor-key-0123456789".getBytes(UTF_8));
        String other = Base64.getEncoder().encodeToString("other-instance-cursor-key-0123456789".getBytes(UTF_8));
        String secret = Base64.getEncoder().encodeToString("cli-operations-jwt-secret-0123456789".getBytes(UTF_8));
        List<NizhalCli.Serving> running = new ArrayList<>();
        try {
            for (int instance = 0; instance < 2; instance++) {
                AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
                int exit = serve(cli().onServing(started::set), "--cursor-key", key, "--jwt-secret", secret);
                assertThat(exit).as("instance %d: %s", instance, err).isZero();
                running.add(started.get());
            }

            clearOutput();
            int otherKey = serve(cli(), "--cursor-key", other, "--jwt-secret", secret);
            String otherKeyError = err.toString();
            clearOutput();
            int noKey = serve(cli(), "--jwt-secret", secret);

            assertThat(otherKey).isEqualTo(2);
            assertThat(otherKeyError)
                    .hasLineCount(1)
                    .contains("--cursor-key (NIZHAL_CURSOR_KEY, cursor.key): the cursor key is not the one the other"
                            + " instances of this database sign with")
                    .doesNotContain(key, other);
            assertThat(noKey).isEqualTo(2);
            assertThat(err.toString()).contains("a cursor key is required");
        } finally {
            running.forEach(NizhalCli.Serving::stop);
        }
    }

    @Test
    @Order(8)
    void forgetCursorKeyLetsTheNextInstanceStoreItsOwnKey() {
        String other = Base64.getEncoder().encodeToString("other-instance-cursor-key-0123456789".getBytes(UTF_8));
        String secret = Base64.getEncoder().encodeToString("cli-operations-jwt-secret-0123456789".getBytes(UTF_8));
        assertThat(serve(cli(), "--cursor-key", other, "--jwt-secret", secret)).isEqualTo(2);
        clearOutput();

        assertThat(run(cli(), "forget-cursor-key", TestApps.Notes.class))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).contains("the next instance to serve stores its own");
        AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
        int exit = serve(cli().onServing(started::set), "--cursor-key", other, "--jwt-secret", secret);

        assertThat(exit).as(err.toString()).isZero();
        started.get().stop();
    }

    private int serve(NizhalCli cli, String... keys) {
        List<String> more = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0"));
        more.addAll(List.of(keys));
        return run(cli, "serve", TestApps.Notes.class, more.toArray(String[]::new));
    }
}
