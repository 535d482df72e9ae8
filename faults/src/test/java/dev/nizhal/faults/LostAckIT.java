package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.NizhalServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault 1 of issue 13 §1: the acknowledgement of a push's {@code COMMIT} is lost. The engine reaches PostgreSQL through
 * a {@link TcpProxy} (its pool's JDBC URL points at the proxy) that lets the {@code COMMIT} of the push's transaction
 * through, swallows PostgreSQL's answer (whose tag is checked: {@code COMMIT}, so the database did commit) and cuts the
 * connection. The engine cannot know the outcome; it must never answer a failure the client would not retry, and the
 * retry must find the journal entry and answer it ({@code replayed: true}) instead of running the increment again.
 */
@ExtendWith(PostgresExtension.class)
class LostAckIT {
    private static final System.Logger LOG = System.getLogger(LostAckIT.class.getName());

    private static TestDatabase db;
    private static TcpProxy proxy;
    private static HikariDataSource pool;
    private static NizhalServer server;

    @BeforeAll
    static void start(TestDatabase database) throws IOException {
        db = database;
        CounterApp.createSchema(db);
        proxy = new TcpProxy(TcpProxy.upstreamOf(db.jdbcUrl()));
        pool = CounterApp.pool(proxy.rewrite(db.jdbcUrl()), db, config -> {});
        Nizhal nizhal = CounterApp.engine(pool);
        server = NizhalServer.builder(nizhal, CounterApp.ACTORS)
                .host("127.0.0.1")
                .port(0)
                .start();
    }

    @AfterEach
    void heal() {
        proxy.heal();
    }

    @AfterAll
    static void stop() {
        server.stop();
        pool.close();
        proxy.close();
    }

    /** Pushes what is pending until the server answers 200 (a transient answer is retried), within a deadline. */
    private static WireClient.Reply pushUntilAnswered(WireClient client) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            WireClient.Reply reply = client.pushOnce();
            if (reply.status() == 200) {
                return reply;
            }
            assertThat(System.nanoTime()).as("a 200 within a minute").isLessThan(deadline);
        }
    }

    private static long counter(String id) {
        return db.jdbi()
                .withHandle(h -> h.createQuery("select n from counters where id = :id")
                        .bind("id", id)
                        .mapTo(Long.class)
                        .one());
    }

    /** The journal entry of the mutation and the change-log entry of its counter were written by one transaction. */
    private static void assertJournalSane(String clientId, long mutationId, String counter) {
        long together = db.jdbi()
                .withHandle(h -> h.createQuery("select count(*) from nizhal.change_log c join nizhal.mutation_journal j"
                                + " on c.txid = j.txid where j.client_id = :client and j.mutation_id = :id"
                                + " and j.status = 'applied' and j.name = 'bump' and j.args ->> 'id' = :counter"
                                + " and c.tbl = 'counters' and :counter = any(c.pks)")
                        .bind("client", clientId)
                        .bind("id", mutationId)
                        .bind("counter", counter)
                        .mapTo(Long.class)
                        .one());
        assertThat(together)
                .as("the journal entry %s/%d and its change-log entry, one transaction", clientId, mutationId)
                .isEqualTo(1);
    }

    @Test
    void aLostCommitAckBehindANetworkCutAnswersTransientAndTheRetryIsAReplayOfTheOneIncrement() {
        WireClient client = new WireClient(server.uri(), "ana", "c-ana");
        client.sync();
        client.bump("ana-1");
        client.pushAll(Duration.ofSeconds(30));
        client.bump("ana-1");
        proxy.loseCommitAck("ana-1", true);

        WireClient.Reply lost = client.pushOnce();

        assertThat(proxy.lostTags).as("PostgreSQL's answer to the lost commit").containsExactly("COMMIT");
        assertThat(lost.status())
                .as("the answer to a push whose commit is unknown: %s", lost.body())
                .isEqualTo(503);
        assertThat(lost.error().get("code").asText()).isEqualTo("TRANSIENT");
        assertThat(lost.error().get("retryable").asBoolean()).isTrue();
        assertThat(lost.retryAfter()).as("Retry-After").isNotNull();
        assertThat(counter("ana-1")).as("the database committed the increment").isEqualTo(2);
        LOG.log(
                System.Logger.Level.INFO,
                "lost ack + cut: 503 after {0} ms",
                lost.took().toMillis());

        proxy.heal();
        long healed = System.nanoTime();
        WireClient.Reply retry = pushUntilAnswered(client);
        long converge = System.nanoTime();
        JsonNode outcome = retry.body().get("results").get(0);
        assertThat(outcome.get("id").asLong()).isEqualTo(2);
        assertThat(outcome.get("status").asText()).isEqualTo("applied");
        assertThat(outcome.get("replayed").asBoolean())
                .as("answered from the journal: %s", outcome)
                .isTrue();
        assertThat(outcome.get("result").get("serverId").asLong())
                .as("the count the one run saw")
                .isEqualTo(2);

        // the client did not hear this answer either, and sends the same push once more
        WireClient.Reply again = client.post(
                "sync/push",
                client.pushBody(List.of(new WireClient.Mutation(
                        2, "bump", JsonNodeFactory.instance.objectNode().put("id", "ana-1"), "ana-1"))));
        assertThat(again.body().get("results").get(0)).isEqualTo(outcome);
        assertThat(counter("ana-1")).isEqualTo(2);
        assertJournalSane("c-ana", 2, "ana-1");
        FaultChecks.appliedExactlyOnce(db, List.of(client));
        FaultChecks.converged(db, client);
        LOG.log(
                System.Logger.Level.INFO,
                "lost ack + cut: the replay answered {0} ms after the network healed ({1} transient answers)",
                (converge - healed) / 1_000_000,
                client.transientAnswers.get());
    }

    @Test
    void aLostCommitAckAloneIsRetriedInsideTheServerAndAnsweredFromTheJournal() {
        WireClient client = new WireClient(server.uri(), "bea", "c-bea");
        client.bump("bea-1");
        proxy.loseCommitAck("bea-1", false);

        WireClient.Reply reply = client.pushOnce();

        assertThat(proxy.lostTags).contains("COMMIT");
        assertThat(reply.status()).as("%s", reply.body()).isEqualTo(200);
        JsonNode outcome = reply.body().get("results").get(0);
        assertThat(outcome.get("status").asText()).isEqualTo("applied");
        // the server's own retry found the entry its lost commit had written
        assertThat(outcome.get("replayed").asBoolean()).as("%s", outcome).isTrue();
        assertThat(outcome.get("result").get("serverId").asLong()).isEqualTo(1);
        assertThat(counter("bea-1")).isEqualTo(1);
        assertJournalSane("c-bea", 1, "bea-1");
        FaultChecks.appliedExactlyOnce(db, List.of(client));
        FaultChecks.converged(db, client);
        LOG.log(
                System.Logger.Level.INFO,
                "lost ack alone: answered in {0} ms",
                reply.took().toMillis());
    }

    /**
     * The three mutations of one push share a transaction (a push group: README, mutators), so the lost COMMIT
     * acknowledgement is the whole batch's: all three committed, the push is answered retryably (the group fails once,
     * then each mutation alone cannot reach the cut database), and the retry replays all three from the journal.
     */
    @Test
    void aLostCommitAckOfABatchIsAnsweredRetryablyAndTheRetryReplaysTheWholeBatch() {
        WireClient client = new WireClient(server.uri(), "cem", "c-cem");
        client.bump("cem-1");
        client.bump("cem-2");
        client.bump("cem-3");
        proxy.loseCommitAck("cem-2", true);

        WireClient.Reply reply = client.pushOnce();

        assertThat(proxy.lostTags).contains("COMMIT");
        assertThat(reply.status()).as("%s", reply.body()).isEqualTo(503);
        assertThat(reply.body().get("error").get("code").asText()).isEqualTo("TRANSIENT");
        assertThat(reply.body().get("error").get("retryable").asBoolean()).isTrue();
        assertThat(counter("cem-1")).as("committed, unacknowledged").isEqualTo(1);
        assertThat(counter("cem-2")).as("committed, unacknowledged").isEqualTo(1);
        assertThat(counter("cem-3")).as("committed, unacknowledged").isEqualTo(1);

        proxy.heal();
        WireClient.Reply retry = pushUntilAnswered(client);

        JsonNode retried = retry.body().get("results");
        for (int i = 0; i < 3; i++) {
            assertThat(retried.get(i).get("id").asLong()).isEqualTo(i + 1);
            assertThat(retried.get(i).get("replayed").asBoolean())
                    .as("%s", retried)
                    .isTrue();
        }
        assertJournalSane("c-cem", 2, "cem-2");
        FaultChecks.appliedExactlyOnce(db, List.of(client));
        FaultChecks.converged(db, client);
    }

    /**
     * A pull is a read: losing its transaction's answer loses nothing, and the client asks again with the same cursor
     * (PROTOCOL.md P4). The proxy loses the commit answer of the next transaction that names {@code counters}: with no
     * push under way, the pull's, which reads the changed rows.
     */
    @Test
    void aPullWhoseConnectionBreaksAtCommitAnswersTransientAndTheSameCursorLosesNothing() {
        WireClient client = new WireClient(server.uri(), "dov", "c-dov");
        client.sync();
        client.bump("dov-1");
        client.pushAll(Duration.ofSeconds(30));
        String before = client.cursor();
        proxy.loseCommitAck("counters", true);

        WireClient.Reply broken = client.tryPull(200);

        assertThat(proxy.lostTags).contains("COMMIT");
        assertThat(broken.status()).as("%s", broken.body()).isEqualTo(503);
        assertThat(broken.error().get("code").asText()).isEqualTo("TRANSIENT");
        assertThat(broken.error().get("retryable").asBoolean()).isTrue();
        assertThat(client.cursor()).as("nothing applied").isEqualTo(before);
        proxy.heal();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        WireClient.Reply retried = client.tryPull(200);
        while (retried.status() != 200 && System.nanoTime() < deadline) {
            assertThat(retried.error().get("retryable").asBoolean()).isTrue();
            retried = client.tryPull(200);
        }
        assertThat(retried.status()).isEqualTo(200);
        assertThat(client.rows("counters")).containsKey("dov-1");
        FaultChecks.appliedExactlyOnce(db, List.of(client));
        FaultChecks.converged(db, client);
    }
}
