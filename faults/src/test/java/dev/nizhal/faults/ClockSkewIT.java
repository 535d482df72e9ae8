package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.ports.out.Clock;
import dev.nizhal.server.NizhalServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 4 of issue 13 §1: two instances of one database whose clocks differ by an hour, and a client that alternates
 * its pushes and pulls between them: no reset, no gap, every increment once.
 *
 * <p><b>Where the engine reads a wall clock</b> (checked in the code, 2026-12): the sync path reads none. A cursor holds
 * snapshots, a response counter and identities, no time; retention picks its mark by PostgreSQL's {@code now()} against
 * marks stamped by PostgreSQL's {@code now()}, the one clock of the one database every instance shares; windows and
 * marks are {@code pg_snapshot}s, not times. The JVM's clock reaches: the bearer-token checks ({@code exp}, {@code nbf},
 * through the resolver's {@link Clock}); the realtime stream's token-expiry timer ({@link NizhalServer.Builder#clock});
 * the UUIDv7 ids a mutator may ask for ({@code TimeOrderedIds}, {@code System.currentTimeMillis}); and the console's
 * last-pull observations ({@code JdbiPullActivity}, {@code Instant::now}). A connection's session {@code TimeZone}
 * (which a JVM's zone sets through the driver) changes how times read as text, and so the text of a {@code timestamptz}
 * key, unless the engine pins it.
 *
 * <p><b>What is shifted here</b>: instance B's token clock and stream clock run an hour ahead of A's (the resolver and
 * the server take a {@link Clock}: real production knobs), and B's database sessions run in a time zone an hour ahead
 * ({@code TimeZone = 'Etc/GMT-1'}), while the client writes rows keyed by a {@code timestamptz} through both. Not
 * shifted: the JVM clock of the UUIDv7 ids and of the console's observations, which the builder does not take (and a
 * child JVM would not change: {@code System.currentTimeMillis} cannot be moved without an agent or libfaketime); the
 * sync path does not read them (ids are unique by their random bits, and nothing orders by them), and adding a clock
 * knob to the builder only to shift them would be a test seam, not API. Nor PostgreSQL's clock, which is one for all.
 * That the shift is real is checked: a token valid for 30 minutes is taken by A and refused by B.
 */
@ExtendWith(PostgresExtension.class)
class ClockSkewIT {
    private static final System.Logger LOG = System.getLogger(ClockSkewIT.class.getName());
    private static final boolean LONG = "long".equals(System.getProperty("faults.mode"));
    private static final int ROUNDS = LONG ? 2_000 : 100;
    private static final Duration SKEW = Duration.ofHours(1);

    private static final Issuer ISSUER =
            Issuer.builder(KeySource.HmacSecret.generate()).build();
    private static final HmacTokenIssuer TOKENS = new HmacTokenIssuer(ISSUER, Instant::now);

    private static TestDatabase db;
    private static HikariDataSource poolA;
    private static HikariDataSource poolB;
    private static NizhalServer serverA;
    private static NizhalServer serverB;

    @BeforeAll
    static void start(TestDatabase database) {
        db = database;
        CounterApp.createSchema(db);
        Clock clockA = Instant::now;
        Clock clockB = () -> Instant.now().plus(SKEW);
        poolA = CounterApp.pool(db.jdbcUrl(), db, config -> config.setConnectionInitSql("set TimeZone = 'UTC'"));
        // Etc/GMT-1 is UTC+01 (POSIX signs): B's sessions read times an hour ahead
        poolB = CounterApp.pool(db.jdbcUrl(), db, config -> config.setConnectionInitSql("set TimeZone = 'Etc/GMT-1'"));
        Nizhal a = CounterApp.engine(poolA);
        Nizhal b = CounterApp.engine(poolB);
        serverA = NizhalServer.builder(a, new JwtActorResolver(JwtConfig.of(ISSUER), clockA))
                .host("127.0.0.1")
                .port(0)
                .clock(clockA)
                .start();
        serverB = NizhalServer.builder(b, new JwtActorResolver(JwtConfig.of(ISSUER), clockB))
                .host("127.0.0.1")
                .port(0)
                .clock(clockB)
                .start();
    }

    @AfterAll
    static void stop() {
        serverA.stop();
        serverB.stop();
        poolA.close();
        poolB.close();
    }

    @Test
    void theSkewIsRealTheInstancesAnswerTokensByTheirOwnClocks() {
        String shortLived = TOKENS.sign("tess", Duration.ofMinutes(30));
        WireClient viaA = new WireClient(serverA.uri(), "tess", "c-tess", shortLived);
        assertThat(viaA.pull(10).get("reset").asBoolean()).isFalse();
        WireClient viaB = new WireClient(serverB.uri(), "tess", "c-tess-b", shortLived);
        JsonNode body = refusedPull(viaB);
        assertThat(body).as("B, an hour ahead, finds the token expired").isNotNull();
        assertThat(body.get("error").get("code").asText()).isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void aClientAlternatingBetweenInstancesAnHourApartIsNeverResetAndMissesNothing() {
        String token = TOKENS.sign("sami", Duration.ofHours(8));
        URI[] instances = {serverA.uri(), serverB.uri()};
        WireClient client = new WireClient(instances[0], "sami", "c-sami", token);
        WireClient other = new WireClient(instances[1], "sami", "c-sami-2", token);
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            client.useInstance(instances[round % 2]);
            other.useInstance(instances[(round + 1) % 2]);
            client.bump("sami-1");
            client.stamp("phone " + round);
            client.pushAll(Duration.ofSeconds(30));
            other.bump("sami-2");
            other.stamp("laptop " + round);
            other.pushAll(Duration.ofSeconds(30));
            // half of the pulls read what the other instance wrote, and continue its cursor
            client.useInstance(instances[(round + 1) % 2]);
            client.sync();
            assertThat(client.rows("counters").get("sami-2").get("n").asLong())
                    .as("round %d", round)
                    .isEqualTo(round + 1);
        }
        FaultChecks.converged(db, client);
        other.useInstance(instances[0]);
        FaultChecks.converged(db, other);
        long took = System.nanoTime() - start;

        assertThat(client.resets.get()).as("resets").isZero();
        assertThat(other.resets.get()).isZero();
        assertThat(client.rows("stamps")).hasSize(2 * ROUNDS);
        FaultChecks.appliedExactlyOnce(db, List.of(client, other));
        LOG.log(
                System.Logger.Level.INFO,
                "skew {0}: {1} rounds alternating, {2} pulls, 0 resets, slowest pull {3} ms, {4} ms in all",
                SKEW,
                ROUNDS,
                client.pulls.get(),
                client.slowestPull().toMillis(),
                took / 1_000_000);
    }

    /** A pull's refusal: 401, with the protocol's error body. */
    private static JsonNode refusedPull(WireClient client) {
        WireClient.Reply reply = client.post(
                "sync/pull",
                JsonNodeFactory.instance
                        .objectNode()
                        .put("syncRule", CounterApp.RULE)
                        .put("clientId", client.clientId())
                        .put("limit", 10));
        assertThat(reply.status()).as("%s", reply.body()).isEqualTo(401);
        return reply.body();
    }
}
