package dev.nizhal.server;

import static dev.nizhal.server.StreamClient.assertClosedWith;
import static dev.nizhal.server.StreamClient.poke;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nizhal.server.HttpTarget.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The realtime stream of PROTOCOL.md over a real WebSocket, black box: like {@link HttpProtocolSuite}, only a base URL
 * and the database's JDBC URL are known of the server under test, which runs {@link SeedApp}. Each test uses actors of
 * its own, so that pokes of other tests never reach its sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StreamProtocolSuite {
    /** How long a poke may take: generous, a poke is an event to wait for, not a latency to assert. */
    static final Duration DEADLINE = Duration.ofSeconds(20);
    /** How long a socket that must not be poked is watched, after the one that must be was poked. */
    static final Duration QUIET = Duration.ofSeconds(2);

    abstract HttpTarget target();

    StreamClient ready(String token, String... rules) {
        return StreamClient.ready(target().streamUri(), token, rules);
    }

    private Reply addNote(String token, String clientId, long id, String noteId) {
        return target().post(
                        "sync/push",
                        token,
                        "{\"clientId\":\"" + clientId + "\",\"mutations\":[{\"id\":" + id
                                + ",\"name\":\"addNote\",\"args\":{\"id\":\"" + noteId + "\",\"body\":\"b\"}}]}");
    }

    private List<String> pulledKeys(String token, String rule, String clientId) {
        Reply reply =
                target().post("sync/pull", token, "{\"syncRule\":\"" + rule + "\",\"clientId\":\"" + clientId + "\"}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        List<String> keys = new ArrayList<>();
        for (JsonNode change : reply.json().get("changes")) {
            keys.add(change.get("collection").asText() + "/" + change.get("key").asText());
        }
        return keys;
    }

    static void quietly(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aPushPokesTheSocketsOfTheActorsHoldingItsBucketOnceAndNoOthers() {
        String erin = SeedApp.tokenOf("stream-erin");
        try (StreamClient erinNotes = ready(erin, "myNotes");
                StreamClient erinOther = ready(erin, "announcements");
                StreamClient frankNotes = ready(SeedApp.tokenOf("stream-frank"), "myNotes")) {
            assertThat(addNote(erin, "stream-erin-1", 1, "stream-e1").status()).isEqualTo(200);

            erinNotes.await(poke("myNotes"), DEADLINE);
            quietly(QUIET);
            // the change-log poller sees that commit too, and knows it was poked already
            assertThat(erinNotes.drain()).isEmpty();
            assertThat(erinOther.drain()).isEmpty();
            assertThat(frankNotes.drain()).isEmpty();
        }
    }

    @Test
    void aPlainSqlInsertPokesTheOwnersSocketThroughTheChangeLogPoller() {
        String gina = SeedApp.tokenOf("stream-gina");
        try (StreamClient ginaNotes = ready(gina, "myNotes");
                StreamClient hankNotes = ready(SeedApp.tokenOf("stream-hank"), "myNotes")) {
            target().execute("insert into notes(id, body, owner_id) values ('stream-g1', 'by SQL', 'stream-gina')");

            ginaNotes.await(poke("myNotes"), DEADLINE);
            assertThat(pulledKeys(gina, "myNotes", "stream-gina-1")).containsExactly("notes/stream-g1");
            quietly(QUIET);
            assertThat(hankNotes.drain()).isEmpty();
        }
    }

    @Test
    void aMembershipGrantPokesTheNewMemberWhoseSocketThenFollowsTheNewBucket() {
        String ivy = SeedApp.tokenOf("stream-ivy");
        try (StreamClient ivyLists = ready(ivy, "sharedLists");
                StreamClient judeLists = ready(SeedApp.tokenOf("stream-jude"), "sharedLists")) {
            target().execute("insert into lists(id, name, owner_id) values (7001, 'Trip', 'stream-jude')");
            target().execute("insert into list_members(list_id, user_id) values (7001, 'stream-jude')");
            judeLists.await(poke("sharedLists"), DEADLINE);
            assertThat(ivyLists.drain()).isEmpty();

            target().execute("insert into list_members(list_id, user_id) values (7001, 'stream-ivy')");
            ivyLists.await(poke("sharedLists"), DEADLINE);
            assertThat(pulledKeys(ivy, "sharedLists", "stream-ivy-1")).contains("lists/7001");

            // the socket's buckets were recomputed: a todo of the new list reaches it
            quietly(QUIET);
            ivyLists.drain();
            target().execute("insert into todos(id, list_id, title) values"
                    + " ('00000000-0000-0000-0000-000000007001', 7001, 'Tickets')");
            ivyLists.await(poke("sharedLists"), DEADLINE);

            // and losing the membership pokes too (the next pull revokes the bucket)
            target().execute("delete from list_members where list_id = 7001 and user_id = 'stream-ivy'");
            ivyLists.await(poke("sharedLists"), DEADLINE);
        }
    }

    @Test
    void aBucketsFilterNarrowsWhatPokesTheSocket() {
        String kim = SeedApp.tokenOf("stream-kim");
        try (StreamClient filtered = StreamClient.connect(target().streamUri());
                StreamClient all = ready(kim, "myNotes")) {
            filtered.send("{\"type\":\"hello\",\"token\":\"" + kim + "\",\"syncRules\":[\"myNotes\"],"
                    + "\"buckets\":{\"myNotes\":[{\"ownerId\":\"someone-else\"}]}}");
            filtered.await(StreamClient.type("ready"), DEADLINE);
            assertThat(addNote(kim, "stream-kim-1", 1, "stream-k1").status()).isEqualTo(200);

            all.await(poke("myNotes"), DEADLINE);
            quietly(QUIET);
            assertThat(filtered.drain()).isEmpty();
        }
    }

    private static String helloWithFilter(String token, String filter) {
        return "{\"type\":\"hello\",\"token\":\"" + token + "\",\"syncRules\":[\"myNotes\"],"
                + "\"buckets\":{\"myNotes\":[" + filter + "]}}";
    }

    /**
     * An actor's sockets on one instance are bounded: the hello of one more closes with 4429 {@code RATE_LIMITED},
     * other actors are not affected, and a socket that closes frees its place.
     */
    @Test
    void aBadHelloClosesTheSocketWithTheCodeOfItsError() {
        String token = SeedApp.tokenOf("stream-lee");
        record Case(String hello, int code, String name) {}
        List<Case> cases = List.of(
                new Case(StreamClient.hello("no-such-token", "myNotes"), 4401, "UNAUTHENTICATED"),
                new Case("{\"type\":\"hello\",\"syncRules\":[\"myNotes\"]}", 4401, "UNAUTHENTICATED"),
                new Case(StreamClient.hello(SeedApp.NUL_ACTOR, "myNotes"), 4401, "UNAUTHENTICATED"),
                new Case(StreamClient.hello(SeedApp.SURROGATE_ACTOR, "myNotes"), 4401, "UNAUTHENTICATED"),
                new Case(StreamClient.hello(token, "noSuchRule"), 4404, "UNKNOWN_SYNC_RULE"),
                // a filter is checked as POST /sync/pull checks its buckets: text PostgreSQL can hold
                new Case(helloWithFilter(token, "{\"ownerId\":\"a\\u0000\"}"), 4400, "MALFORMED_REQUEST"),
                new Case(helloWithFilter(token, "{\"ownerId\":\"\\ud800\"}"), 4400, "MALFORMED_REQUEST"),
                new Case(helloWithFilter(token, "{\"owner\\u0000Id\":\"x\"}"), 4400, "MALFORMED_REQUEST"),
                new Case("not json", 4400, "MALFORMED_REQUEST"),
                new Case("{\"type\":\"hello\",\"token\":\"" + token + "\"}", 4400, "MALFORMED_REQUEST"),
                new Case(
                        "{\"type\":\"pull\",\"token\":\"" + token + "\",\"syncRules\":[\"myNotes\"]}",
                        4400,
                        "MALFORMED_REQUEST"),
                new Case(
                        "{\"type\":\"hello\",\"token\":\"" + token + "\",\"syncRules\":[\"myNotes\"],"
                                + "\"buckets\":{\"myNotes\":\"ownerId\"}}",
                        4400,
                        "MALFORMED_REQUEST"),
                new Case(
                        "{\"type\":\"hello\",\"type\":\"hello\",\"token\":\"" + token
                                + "\",\"syncRules\":[\"myNotes\"]}",
                        4400,
                        "MALFORMED_REQUEST"));
        for (Case c : cases) {
            try (StreamClient client = StreamClient.connect(target().streamUri())) {
                client.send(c.hello());
                assertClosedWith(client.awaitClose(DEADLINE), c.code(), c.name());
                assertThat(client.drain()).as(c.hello()).isEmpty();
            }
        }
    }
}
