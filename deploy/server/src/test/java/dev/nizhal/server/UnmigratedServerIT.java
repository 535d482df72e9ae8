package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A server whose rules are not installed in its database yet: not ready, and pulls and stream hellos are transient
 * failures.
 */
@ExtendWith(PostgresExtension.class)
class UnmigratedServerIT {
    private static final String PULL = "{\"syncRule\":\"myNotes\",\"clientId\":\"u-c\"}";

    @Test
    void healthIs503AndPullsAre503TransientWithRetryAfterUntilTheNewRulesAreMigrated(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        try (HikariDataSource pool = EmbeddedSeedServer.pool(database)) {
            Nizhal before = SeedApp.engine(pool, false);
            Nizhal after = SeedApp.engine(pool, SeedApp.notesOnly(), false);
            try (NizhalServer server = NizhalServer.start(after, SeedApp.ACTORS, 0);
                    HttpTarget target =
                            new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password())) {
                Reply neverMigrated = target.get("nizhal/health", null);
                try (StreamClient socket = StreamClient.connect(target.streamUri())) {
                    socket.send(StreamClient.hello(SeedApp.ALICE, "myNotes"));
                    StreamClient.assertClosedWith(socket.awaitClose(StreamProtocolSuite.DEADLINE), 4503, "TRANSIENT");
                }
                before.migrate(); // the previous release's rules are installed, the server runs new ones
                Reply health = target.get("nizhal/health", null);
                Reply pull = target.post("sync/pull", SeedApp.ALICE, PULL);

                assertThat(neverMigrated.status()).isEqualTo(503);
                assertThat(neverMigrated.body())
                        .isEqualTo("{\"status\":\"DOWN\",\"database\":\"UP\",\"migrations\":\"PENDING\"}");
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body()).isEqualTo(neverMigrated.body());
                assertThat(pull.status()).isEqualTo(503);
                assertThat(pull.error().get("code").asText()).isEqualTo("TRANSIENT");
                assertThat(pull.error().get("retryable").asBoolean()).isTrue();
                assertThat(pull.header("Retry-After")).isEqualTo("1");

                after.migrate();

                assertThat(target.get("nizhal/health", null).status()).isEqualTo(200);
                assertThat(target.post("sync/pull", SeedApp.ALICE, PULL).status())
                        .isEqualTo(200);
                StreamClient.ready(target.streamUri(), SeedApp.ALICE, "myNotes").close();
            }
        }
    }
}
