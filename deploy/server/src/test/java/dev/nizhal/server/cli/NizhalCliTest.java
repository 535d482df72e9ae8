package dev.nizhal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** Parsing, precedence (flag, then environment, then file, then default), help, version and usage errors. */
class NizhalCliTest {
    private static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path folder;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private NizhalCli cli(Map<String, String> environment) {
        return NizhalCli.create()
                .environment(environment)
                .out(new PrintWriter(out, true))
                .err(new PrintWriter(err, true));
    }

    private Serve parseServe(Map<String, String> environment, String... args) {
        CommandLine commandLine = cli(environment).commandLine();
        ParseResult result = commandLine.parseArgs(args);
        return (Serve) result.subcommand().commandSpec().userObject();
    }

    private Path config(String content) throws IOException {
        Path file = folder.resolve("nizhal.properties");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void withNothingGivenTheDefaultsHold() {
        Serve serve = parseServe(Map.of(), "serve");

        assertThat(serve.serve.port).isEqualTo(4000);
        assertThat(serve.serve.host).isNull();
        assertThat(serve.database.jdbcUrl).isNull();
        assertThat(serve.database.dataDir).isEqualTo(Path.of(".nizhal"));
        assertThat(serve.serve.cursorKey).isNull();
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws IOException {
        Path file = config("port=4003\nhost=from-file\njdbc.url=jdbc:postgresql://file/db\njwt.issuer=file-iss\n");
        Map<String, String> environment = Map.of("NIZHAL_PORT", "4002", "NIZHAL_HOST", "from-env");

        Serve serve = parseServe(environment, "serve", "--config", file.toString(), "--port", "4001");

        assertThat(serve.serve.port).as("flag over env and file").isEqualTo(4001);
        assertThat(serve.serve.host).as("env over file").isEqualTo("from-env");
        assertThat(serve.database.jdbcUrl).as("file over default").isEqualTo("jdbc:postgresql://file/db");
        assertThat(serve.serve.jwtIssuer).isEqualTo("file-iss");
        assertThat(serve.database.dataDir).as("default").isEqualTo(Path.of(".nizhal"));
    }

    @Test
    void anEmptyEnvironmentVariableIsNotSet() throws IOException {
        Path file = config("jdbc.url=jdbc:postgresql://file/db\n");

        Serve serve = parseServe(
                Map.of("NIZHAL_JDBC_URL", "", "NIZHAL_PORT", " ", "NIZHAL_CONFIG", file.toString()), "serve");

        assertThat(serve.database.jdbcUrl).isEqualTo("jdbc:postgresql://file/db");
        assertThat(serve.serve.port).isEqualTo(4000);
        assertThat(serve.serve.retentionDays).isEqualTo(7);
    }

    @Test
    void theConfigFileCanBeNamedByTheEnvironment() throws IOException {
        Path file = config("port=4005\ndata.dir=/srv/nizhal\n");

        Serve serve = parseServe(Map.of("NIZHAL_CONFIG", file.toString()), "serve");

        assertThat(serve.serve.port).isEqualTo(4005);
        assertThat(serve.database.dataDir).isEqualTo(Path.of("/srv/nizhal"));
    }

    @Test
    void secretsAndListsComeFromTheEnvironmentToo() {
        Serve serve = parseServe(
                Map.of("NIZHAL_CURSOR_KEY", KEY_A, "NIZHAL_JWT_AUDIENCE", "a,b", "NIZHAL_JWT_ALGORITHMS", "es256"),
                "serve");

        assertThat(serve.serve.cursorKey.bytes()).hasSize(32);
        assertThat(serve.serve.jwtAudiences).containsExactly("a", "b");
        assertThat(serve.serve.jwtAlgorithms).extracting(Enum::name).containsExactly("ES256");
    }

    @Test
    void everyOptionWithASettingNamesItsEnvironmentVariableInItsHelp() {
        CommandLine commandLine = cli(Map.of()).commandLine();
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            for (OptionSpec option : sub.getCommandSpec().options()) {
                if (ConfigDefaults.isSetting(option)) {
                    assertThat(String.join(" ", option.description()))
                            .as(sub.getCommandName() + " " + option.longestName())
                            .contains(ConfigDefaults.environmentVariable(option.descriptionKey()));
                }
            }
        }
    }

    @Test
    void theLimitsHaveTheirDefaultsAndComeFromFlagsTheEnvironmentAndTheFile() throws IOException {
        Serve defaults = parseServe(Map.of(), "serve");
        assertThat(defaults.serve.limitRequestsPerSecond).isEqualTo(100);
        assertThat(defaults.serve.limitRequestsBurst)
                .as("twice the rate, later")
                .isNull();
        assertThat(defaults.serve.limitConcurrentPulls).isEqualTo(64);
        assertThat(defaults.serve.limitSocketsPerActor).isEqualTo(16);

        Path file = config("limit.requests.burst=7\nlimit.sockets.per.actor=3\n");
        Serve configured = parseServe(
                Map.of("NIZHAL_LIMIT_REQUESTS_PER_SECOND", "5", "NIZHAL_CONFIG", file.toString()),
                "serve",
                "--limit-concurrent-pulls",
                "0");
        assertThat(configured.serve.limitRequestsPerSecond).isEqualTo(5);
        assertThat(configured.serve.limitRequestsBurst).isEqualTo(7);
        assertThat(configured.serve.limitSocketsPerActor).isEqualTo(3);
        assertThat(configured.serve.limitConcurrentPulls).isZero();
    }

    @Test
    void aBadLimitIsAUsageErrorNamingItsOption() {
        for (String[] bad : new String[][] {
            {"--limit-requests-per-second", "-1", "--limit-requests-per-second is at least 0 (0: no limit), was -1"},
            {"--limit-requests-burst", "0", "--limit-requests-burst is at least 1, was 0"},
            {"--limit-concurrent-pulls", "-2", "--limit-concurrent-pulls is at least 0 (0: no limit), was -2"},
            {"--limit-sockets-per-actor", "-3", "--limit-sockets-per-actor is at least 0 (0: no limit), was -3"},
            {"--limit-sockets-per-actor", "many", "--limit-sockets-per-actor"}
        }) {
            err.getBuffer().setLength(0);

            int exit = cli(Map.of()).execute("serve", "--app", TestApps.Notes.class.getName(), bad[0], bad[1]);

            assertThat(exit).as(bad[0] + " " + bad[1]).isEqualTo(2);
            assertThat(err.toString()).as(bad[0] + " " + bad[1]).hasLineCount(1).contains(bad[2]);
        }
    }

    @Test
    void badBase64IsAUsageErrorOfOneLineThatDoesNotShowTheValue() {
        int exit = cli(Map.of("NIZHAL_CURSOR_KEY", "not*base64-secret")).execute("serve");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("--cursor-key").doesNotContain("not*base64-secret");
    }

    @Test
    void aShortKeyIsAUsageError() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        int exit = cli(Map.of()).execute("serve", "--jwt-secret", shortKey);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("at least 32 bytes, has 16");
    }

    @Test
    void aMissingConfigFileIsAUsageError() {
        int exit = cli(Map.of())
                .execute(
                        "migrate",
                        "--config",
                        folder.resolve("absent.properties").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .hasLineCount(1)
                .contains("cannot read the config file")
                .contains("no such file");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThat(cli(Map.of()).execute("migrate", "--colour")).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("--colour");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(cli(Map.of()).execute()).isEqualTo(2);
        assertThat(err.toString()).contains("name a command");
    }

    @Test
    void anUnknownAppClassIsAUsageErrorOfOneLine() {
        int exit = cli(Map.of()).execute("migrate", "--app", "com.example.Missing");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("no class com.example.Missing");
    }

    @Test
    void aClassThatIsNoAppIsAUsageError() {
        int exit = cli(Map.of()).execute("lint", "--app", String.class.getName());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("java.lang.String is not a dev.nizhal.server.NizhalApp");
    }

    @Test
    void anAppWhoseConstructorFailsIsAFailureWithoutStackTraceUnlessVerbose() {
        String app = TestApps.Failing.class.getName();

        assertThat(cli(Map.of()).execute("lint", "--app", app)).isEqualTo(1);
        assertThat(err.toString())
                .hasLineCount(1)
                .contains("the constructor of")
                .contains("no config");

        err.getBuffer().setLength(0);
        assertThat(cli(Map.of()).execute("lint", "--app", app, "--verbose")).isEqualTo(1);
        assertThat(err.toString()).contains("\tat ");
    }

    @Test
    void withoutAppAndWithoutServiceEntryTheErrorSaysHowToNameOne() {
        int exit = cli(Map.of()).execute("migrate");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("no NizhalApp found").contains("--app");
    }

    @Test
    void withSeveralServiceEntriesTheErrorListsThem() throws IOException {
        ClassLoader loader =
                TestApps.serviceLoader(folder, TestApps.Notes.class.getName(), TestApps.Other.class.getName());

        int exit = cli(Map.of()).classLoader(loader).execute("migrate");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .contains("several NizhalApp found")
                .contains(TestApps.Notes.class.getName())
                .contains(TestApps.Other.class.getName());
    }

    @Test
    void anExternalDatabaseWithoutCursorKeyIsRefusedBeforeConnecting() {
        int exit = cli(Map.of())
                .execute("serve", "--app", TestApps.Notes.class.getName(), "--jdbc-url", "jdbc:postgresql://nowhere/x");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("a cursor key is required");
    }

    @Test
    void twoTokenVerifiersAreRefused() {
        int exit = cli(Map.of("NIZHAL_JWT_SECRET", KEY_A))
                .execute("serve", "--app", TestApps.Notes.class.getName(), "--jwt-jwks-url", "https://idp/jwks");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).hasLineCount(1).contains("give one of --jwt-secret");
    }

    @Test
    void helpAndVersionSucceed() {
        assertThat(cli(Map.of()).execute("--help")).isZero();
        assertThat(out.toString())
                .contains("serve", "migrate", "lint", "rotate-identity", "forget-cursor-key", "Exit codes");

        out.getBuffer().setLength(0);
        assertThat(cli(Map.of()).execute("serve", "--help")).isZero();
        assertThat(out.toString()).contains("--jdbc-url", "NIZHAL_JDBC_URL", "--jwt-jwks-url");

        out.getBuffer().setLength(0);
        assertThat(cli(Map.of()).execute("--version")).isZero();
        assertThat(out.toString()).startsWith("nizhal 0.");
    }
}
