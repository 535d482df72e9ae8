package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.nio.file.Path;
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
}
