package dev.nizhal.server;

import static dev.nizhal.server.StreamClient.poke;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances on one PostgreSQL, as behind a load balancer: the embedded server (Jetty) and the WAR on Open Liberty,
 * sharing the database and the cursor key and nothing else. A push on one pokes a socket on the other within 2 s, and a
 * client that alternates between them converges without a reset. A third instance with another cursor key is refused
 * at start.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutIT {
    /** The bound for a poke across instances. */
    static final Duration CROSS_INSTANCE_POKE = Duration.ofSeconds(2);

    private HikariDataSource pool;
    private NizhalServer embedded;
    private WarServer liberty;
    private HttpTarget onEmbedded;
    private HttpTarget onLiberty;
    private TestDatabase database;
    private Path war;

    @BeforeAll
    void start(TestDatabase database) {
        this.database = database;
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = EmbeddedSeedServer.pool(database);
        embedded = NizhalServer.start(SeedApp.engine(pool, true), SeedApp.ACTORS, 0);
        war = SeedWar.build(WarServer.builtWar(), WarServer.serversDir().resolve("scale-out-seed.war"));
        liberty = WarServer.liberty("nizhal-scale-out", war, env(SeedApp.CURSOR_KEY));
        liberty.awaitReady(Duration.ofSeconds(60));
        onEmbedded = new HttpTarget(embedded.uri(), database.jdbcUrl(), database.user(), database.password());
        onLiberty = new HttpTarget(liberty.base(), database.jdbcUrl(), database.user(), database.password());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {onEmbedded, onLiberty, liberty}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        if (embedded != null) {
            embedded.stop();
        }
        if (pool != null) {
            pool.close();
        }
    }

    private Map<String, String> env(byte[] cursorKey) {
        return Map.of(
                "NIZHAL_JDBC_URL", database.jdbcUrl(),
                "NIZHAL_JDBC_USER", database.user(),
                "NIZHAL_JDBC_PASSWORD", WarSuites.password(database),
                "NIZHAL_CURSOR_KEY", Base64.getEncoder().encodeToString(cursorKey));
    }

    private static String addNote(String clientId, long id, String noteId) {
        return "{\"clientId\":\"" + clientId + "\",\"mutations\":[{\"id\":" + id + ",\"name\":\"addNote\",\"args\":{"
                + "\"id\":\"" + noteId + "\",\"body\":\"b\"}}]}";
    }

    /** Pushes on {@code from} and returns how long the poke took to reach {@code socketOn}'s socket. */
    private static Duration pokeLatency(HttpTarget from, HttpTarget socketOn, String actor, String noteId) {
        String token = SeedApp.tokenOf(actor);
        try (StreamClient socket = StreamClient.ready(socketOn.streamUri(), token, "myNotes")) {
            long begin = System.nanoTime();
            Reply pushed = from.post("sync/push", token, addNote(actor + "-c", 1, noteId));
            assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
            socket.await(poke("myNotes"), Duration.ofSeconds(10));
            return Duration.ofNanos(System.nanoTime() - begin);
        }
    }

    @Test
    void aPushOnOneInstancePokesASocketOnTheOtherWithinTwoSeconds() {
        Duration toLiberty = pokeLatency(onEmbedded, onLiberty, "scale-ivy", "scale-i1");
        Duration toEmbedded = pokeLatency(onLiberty, onEmbedded, "scale-jack", "scale-j1");
        System.out.printf(
                "scale-out: poke latency embedded -> Liberty %d ms, Liberty -> embedded %d ms%n",
                toLiberty.toMillis(), toEmbedded.toMillis());
        assertThat(toLiberty).isLessThan(CROSS_INSTANCE_POKE);
        assertThat(toEmbedded).isLessThan(CROSS_INSTANCE_POKE);
    }

    @Test
    void aClientAlternatingBetweenTheInstancesConvergesWithoutAReset() {
        String token = SeedApp.tokenOf("scale-kim");
        List<HttpTarget> instances = List.of(onEmbedded, onLiberty);
        String cursor = null;
        Set<String> held = new TreeSet<>();
        Set<String> keys = new TreeSet<>();
        Set<String> pushed = new TreeSet<>();
        int request = 0;
        for (int round = 1; round <= 6; round++) {
            String noteId = "scale-k" + round;
            Reply push = instances.get(request++ % 2).post("sync/push", token, addNote("scale-kim-c", round, noteId));
            assertThat(push.status()).as(push.body()).isEqualTo(200);
            pushed.add(noteId);
            boolean more = true;
            while (more) {
                HttpTarget instance = instances.get(request++ % 2);
                String body = "{\"syncRule\":\"myNotes\",\"clientId\":\"scale-kim-c\",\"cursor\":"
                        + (cursor == null ? "null" : "\"" + cursor + "\"") + ",\"held\":" + json(held)
                        + ",\"limit\":1}";
                Reply pull = instance.post("sync/pull", token, body);
                assertThat(pull.status()).as(pull.body()).isEqualTo(200);
                JsonNode response = pull.json();
                assertThat(response.get("reset").asBoolean())
                        .as("a reset from %s", instance.uri(""))
                        .isFalse();
                for (JsonNode change : response.get("changes")) {
                    if (change.get("op").asText().equals("upsert")) {
                        keys.add(change.get("key").asText());
                    } else {
                        keys.remove(change.get("key").asText());
                    }
                }
                response.get("loadedBuckets").forEach(b -> held.add(b.asText()));
                response.get("revokedBuckets").forEach(b -> held.remove(b.asText()));
                cursor = response.get("cursor").asText();
                more = response.get("hasMore").asBoolean();
            }
            assertThat(keys).as("after round %d", round).isEqualTo(pushed);
        }
    }

    /**
     * A third instance, on Payara Micro, with another cursor key than the two that serve: refused at start, with one
     * log line naming the setting and neither key, readiness DOWN and 503 {@code TRANSIENT} answers. (A missing key
     * is refused before the database is reached: {@code PayaraMicroDemoIT}.)
     */
    @Test
    void anInstanceWithAnotherCursorKeyIsRefusedAtStartNamingTheSettingButNoKey() {
        byte[] otherKey = SeedApp.CURSOR_KEY.clone();
        otherKey[0] ^= 1;
        String other = Base64.getEncoder().encodeToString(otherKey);
        String shared = Base64.getEncoder().encodeToString(SeedApp.CURSOR_KEY);
        try (WarServer payara = WarServer.payaraMicro("scale-out-other-key", war, env(otherKey));
                HttpTarget onPayara =
                        new HttpTarget(payara.base(), database.jdbcUrl(), database.user(), database.password())) {
            Reply ready = payara.plain("health/ready");
            Reply pull = onPayara.post(
                    "sync/pull", SeedApp.tokenOf("scale-lou"), "{\"syncRule\":\"myNotes\",\"clientId\":\"lou-c\"}");
            List<String> lines = payara.notStartedLines();

            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            assertThat(ready.body())
                    .contains("bad configuration: nizhal.cursor.key")
                    .doesNotContain(other, shared);
            assertThat(pull.status()).isEqualTo(503);
            assertThat(pull.error().get("code").asText()).isEqualTo("TRANSIENT");
            assertThat(lines).as("Nizhal's log lines about the start").hasSize(1);
            assertThat(lines.getFirst())
                    .contains("bad configuration: nizhal.cursor.key: the cursor key is not the one the other instances"
                            + " of this database sign with")
                    .doesNotContain(other, shared);
            assertThat(payara.log()).doesNotContain(other, shared);
        }
        // the two instances with the shared key serve on
        assertThat(onLiberty.get("nizhal/health", null).status()).isEqualTo(200);
        assertThat(onEmbedded.get("nizhal/health", null).status()).isEqualTo(200);
    }

    private static String json(Set<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (String value : values) {
            out.append(out.length() > 1 ? "," : "")
                    .append('"')
                    .append(value.replace("\"", "\\\""))
                    .append('"');
        }
        return out.append(']').toString();
    }
}
