package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An application whose beans or settings leave it open how tokens are verified, on Open Liberty: Nizhal does not pick
 * one, the deployment still succeeds, and it reports as every bad configuration does (one log line naming the bean or
 * key, readiness DOWN, 503 {@code TRANSIENT} answers).
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarConfigurationIT {
    private TestDatabase database;

    @BeforeAll
    void schema(TestDatabase database) {
        this.database = database;
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("NIZHAL_JDBC_URL", database.jdbcUrl());
        env.put("NIZHAL_JDBC_USER", database.user());
        env.put("NIZHAL_JDBC_PASSWORD", WarSuites.password(database));
        env.put("NIZHAL_CURSOR_KEY", Base64.getEncoder().encodeToString(SeedApp.CURSOR_KEY));
        return env;
    }

    /** Starts {@code war} on Liberty and checks that Nizhal reports {@code reason} as one would a bad setting. */
    private void refusedWith(String name, Path war, Map<String, String> env, String reason, String line) {
        try (WarServer server = WarServer.liberty(name, war, env);
                HttpTarget http =
                        new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password())) {
            Reply ready = server.plain("health/ready");
            Reply pull = http.post("sync/pull", SeedApp.ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}");

            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            assertThat(ready.body()).contains("DOWN").contains(reason);
            assertThat(pull.status()).isEqualTo(503);
            assertThat(pull.error().get("code").asText()).isEqualTo("TRANSIENT");
            List<String> lines = server.notStartedLines();
            assertThat(lines).as("Nizhal's log lines about the start").hasSize(1);
            assertThat(lines.getFirst()).contains(line);
        }
    }

    @Test
    void twoActorResolverBeansAreRefusedNotPickedFrom() {
        Path war = SeedWar.build(
                WarServer.builtWar(),
                WarServer.serversDir().resolve("two-resolvers-seed.war"),
                SecondActorResolver.class);

        refusedWith(
                "nizhal-two-resolvers",
                war,
                env(),
                "bad configuration: ActorResolver",
                "bad configuration: ActorResolver: the application has several beans of this type");
    }

    @Test
    void aTokenSecretBesideTheApplicationsResolverIsRefused() {
        Path war = SeedWar.build(WarServer.builtWar(), WarServer.serversDir().resolve("resolver-and-secret-seed.war"));
        Map<String, String> env = env();
        String secret = Base64.getEncoder().encodeToString(new byte[32]);
        env.put("NIZHAL_JWT_SECRET", secret);

        refusedWith(
                "nizhal-resolver-and-secret",
                war,
                env,
                "bad configuration: nizhal.jwt.secret",
                "bad configuration: nizhal.jwt.secret is set, but the application's ActorResolver bean verifies tokens");
    }

    @Test
    void aBadLimitIsRefusedNamingItsKey() {
        Path war = SeedWar.build(WarServer.builtWar(), WarServer.serversDir().resolve("bad-limit-seed.war"));
        Map<String, String> env = env();
        env.put("NIZHAL_LIMIT_REQUESTS_PER_SECOND", "-1");

        refusedWith(
                "nizhal-bad-limit",
                war,
                env,
                "bad configuration: nizhal.limit.requests.per.second",
                "bad configuration: nizhal.limit.requests.per.second is a whole number, at least 0 (0: no limit),"
                        + " was -1");
    }

    /** The limits from MicroProfile Config (here the environment): a rate of 1 with a burst of 2, one socket. */
    @Test
    void theConfiguredLimitsAreHonouredPerActor() {
        Path war = SeedWar.build(WarServer.builtWar(), WarServer.serversDir().resolve("limits-seed.war"));
        Map<String, String> env = env();
        env.put("NIZHAL_LIMIT_REQUESTS_PER_SECOND", "1");
        env.put("NIZHAL_LIMIT_REQUESTS_BURST", "2");
        env.put("NIZHAL_LIMIT_SOCKETS_PER_ACTOR", "1");
        String pull = "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}";
        try (WarServer server = WarServer.liberty("nizhal-limits", war, env);
                HttpTarget http =
                        new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password())) {
            server.awaitReady(Duration.ofSeconds(60));

            assertThat(http.post("sync/pull", SeedApp.ALICE, pull).status()).isEqualTo(200);
            assertThat(http.post("sync/pull", SeedApp.ALICE, pull).status()).isEqualTo(200);
            // a bucket of 2 refilling at 1 a second: 10 more pulls would have to take 10 s for none to be refused
            Reply refused = http.post("sync/pull", SeedApp.ALICE, pull);
            for (int i = 0; i < 10 && refused.status() == 200; i++) {
                refused = http.post("sync/pull", SeedApp.ALICE, pull);
            }

            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(refused.error().get("code").asText()).isEqualTo("RATE_LIMITED");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isGreaterThanOrEqualTo(1);
            assertThat(http.post("sync/pull", SeedApp.BOB, pull).status())
                    .as("another actor")
                    .isEqualTo(200);

            try (StreamClient first = StreamClient.ready(http.streamUri(), SeedApp.ALICE, "myNotes");
                    StreamClient second = StreamClient.connect(http.streamUri())) {
                second.send(StreamClient.hello(SeedApp.ALICE, "myNotes"));
                StreamClient.assertClosedWith(second.awaitClose(Duration.ofSeconds(20)), 4429, "RATE_LIMITED");
                assertThat(first.isOpen()).isTrue();
            }
        }
    }
}
