package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The concurrent pulls of one instance over real HTTP and PostgreSQL, configured to 1: while a pull is held in flight
 * (its read waits for a lock a test transaction holds on the notes table), another actor's pull is refused at once
 * with 429 {@code RATE_LIMITED} and {@code Retry-After}; once the first ends, pulls are served again.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentPullsIT {
    private static final String PULL = "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}";
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private Jdbi jdbi;
    private HikariDataSource pool;
    private NizhalServer server;
    private HttpTarget http;

    @BeforeAll
    void start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        jdbi = database.jdbi();
        pool = EmbeddedSeedServer.pool(database);
        server = NizhalServer.builder(SeedApp.engine(pool, true), SeedApp.ACTORS)
                .host("127.0.0.1")
                .port(0)
                .maxConcurrentPulls(1)
                .requestRate(RequestRate.UNLIMITED)
                .start();
        http = new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password());
    }

    @AfterAll
    void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.stop();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void aPullBeyondTheConfiguredConcurrencyIsRefusedWithRetryAfterUntilTheFirstEnds() throws Exception {
        CompletableFuture<Reply> held;
        try (Handle holder = jdbi.open()) {
            holder.begin();
            holder.execute("lock table notes in access exclusive mode");
            held = CompletableFuture.supplyAsync(() -> http.post("sync/pull", SeedApp.ALICE, PULL));
            awaitBlockedBy(holder);

            Reply refused = http.post("sync/pull", SeedApp.BOB, PULL);

            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.error().get("code").asText()).isEqualTo("RATE_LIMITED");
            assertThat(refused.error().get("retryable").asBoolean()).isTrue();
            holder.rollback();
        }
        Reply first = held.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        Reply after = http.post("sync/pull", SeedApp.BOB, PULL);
        assertThat(after.status()).as(after.body()).isEqualTo(200);
    }

    /** Waits until a session (the held pull's) waits for a lock of {@code holder}. */
    private void awaitBlockedBy(Handle holder) throws InterruptedException {
        int pid = holder.createQuery("select pg_backend_pid()")
                .mapTo(Integer.class)
                .one();
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (jdbi.withHandle(h -> h.createQuery(
                                "select count(*) from pg_stat_activity where :pid = any(pg_blocking_pids(pid))")
                        .bind("pid", pid)
                        .mapTo(Integer.class)
                        .one())
                == 0) {
            assertThat(System.nanoTime()).as("a pull waits for the lock").isLessThan(end);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
