package dev.nizhal.server;

import static dev.nizhal.server.SeedApp.ALICE;
import static dev.nizhal.server.SeedApp.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nizhal.server.HttpTarget.Reply;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROTOCOL.md over real HTTP, black box: only a base URL and the database's JDBC URL (to count journal rows) are known
 * of the server under test, which runs {@link SeedApp}. A subclass starts one and returns it from {@link #target()};
 * the same suite can run against a WAR on an application server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HttpProtocolSuite {

    /** The server under test, running {@link SeedApp} on a database where the seed's schema exists. */
    abstract HttpTarget target();

    private Reply pull(String token, String body, String... headers) {
        return target().post("sync/pull", token, body, headers);
    }

    private Reply push(String token, String body, String... headers) {
        return target().post("sync/push", token, body, headers);
    }

    private static String addNote(String clientId, long id, String noteId, String body) {
        return "{\"clientId\":\"" + clientId + "\",\"mutations\":[{\"id\":" + id + ",\"name\":\"addNote\",\"args\":{"
                + "\"id\":\"" + noteId + "\",\"body\":\"" + body + "\"}}]}";
    }

    private long journalRows() {
        return target().count("select count(*) from nizhal.mutation_journal");
    }

    private long clientRows() {
        return target().count("select count(*) from nizhal.clients");
    }

    /** What a client holds after pulling a rule until it is up to date. */
    private record Synced(Set<String> keys, List<JsonNode> responses) {
        JsonNode last() {
            return responses.getLast();
        }
    }

    /** Pulls {@code myNotes} the way a client does (cursor, held buckets) until {@code hasMore} is false. */
    private Synced syncNotes(String token, String clientId, String bucketsFilter) {
        String cursor = null;
        Set<String> held = new TreeSet<>();
        Set<String> keys = new TreeSet<>();
        List<JsonNode> responses = new ArrayList<>();
        for (int page = 0; page < 50; page++) {
            String body = "{\"syncRule\":\"myNotes\",\"clientId\":\"" + clientId + "\",\"cursor\":"
                    + (cursor == null ? "null" : "\"" + cursor + "\"") + ",\"buckets\":" + bucketsFilter
                    + ",\"held\":" + json(held) + ",\"limit\":1}";
            Reply reply = pull(token, body);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            JsonNode response = reply.json();
            responses.add(response);
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
            if (!response.get("hasMore").asBoolean()) {
                return new Synced(keys, responses);
            }
        }
        throw new AssertionError("still hasMore after 50 pulls");
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

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    // ---- the seed example ----

    @Test
    void twoActorsPushNotesAndEachPullsOnlyItsOwn() {
        String carol = SeedApp.tokenOf("carol");
        String dave = SeedApp.tokenOf("dave");
        Reply carolPush = push(carol, addNote("seed-carol", 1, "seed-c1", "from carol"));
        Reply davePush = push(dave, addNote("seed-dave", 1, "seed-d1", "from dave"));
        assertThat(push(carol, addNote("seed-carol", 2, "seed-c2", "again")).status())
                .isEqualTo(200);

        assertThat(carolPush.status()).isEqualTo(200);
        assertThat(carolPush.header("Content-Type")).startsWith("application/json");
        JsonNode applied = carolPush.json().get("results").get(0);
        assertThat(fieldNames(applied)).containsExactly("id", "status", "result");
        assertThat(applied.get("id").asLong()).isEqualTo(1);
        assertThat(applied.get("status").asText()).isEqualTo("applied");
        assertThat(fieldNames(applied.get("result"))).containsExactly("serverId", "affectedBuckets");
        assertThat(applied.get("result").get("serverId").asText()).isEqualTo("seed-c1");
        assertThat(applied.get("result").get("affectedBuckets").toString()).isEqualTo("[\"myNotes[\\\"carol\\\"]\"]");
        assertThat(davePush.json()
                        .get("results")
                        .get(0)
                        .get("result")
                        .get("affectedBuckets")
                        .toString())
                .isEqualTo("[\"myNotes[\\\"dave\\\"]\"]");

        // carol asks for dave's bucket too: it is not granted, so it is ignored, never served
        Synced carolSees = syncNotes(carol, "seed-carol", "[{\"ownerId\":\"carol\"},{\"ownerId\":\"dave\"}]");
        Synced daveSees = syncNotes(dave, "seed-dave", "[{\"ownerId\":\"dave\"}]");

        assertThat(carolSees.keys()).containsExactly("seed-c1", "seed-c2");
        assertThat(daveSees.keys()).containsExactly("seed-d1");
        assertThat(carolSees.last().get("buckets").toString()).isEqualTo("[\"myNotes[\\\"carol\\\"]\"]");
        assertThat(carolSees.last().get("lastMutationId").asLong()).isEqualTo(2);
        assertThat(daveSees.last().get("lastMutationId").asLong()).isEqualTo(1);
        for (JsonNode response : carolSees.responses()) {
            assertThat(response.toString()).doesNotContain("seed-d1", "from dave", "myNotes[\\\"dave");
        }
    }

    @Test
    void pullResponsesHaveTheProtocolsShape() {
        push(ALICE, addNote("shape-alice", 1, "shape-1", "one"));
        push(ALICE, addNote("shape-alice", 2, "shape-2", "two"));

        Synced synced = syncNotes(ALICE, "shape-alice", "[{\"ownerId\":\"alice\"}]");

        JsonNode first = synced.responses().getFirst();
        assertThat(first.get("hasMore").asBoolean()).isTrue();
        assertThat(fieldNames(first))
                .as("no lastMutationId while hasMore")
                .containsExactly(
                        "cursor",
                        "hasMore",
                        "reset",
                        "buckets",
                        "revokedBuckets",
                        "loadedBuckets",
                        "loadingBuckets",
                        "changes");
        assertThat(fieldNames(synced.last())).endsWith("changes", "lastMutationId");
        JsonNode upsert = synced.responses().stream()
                .flatMap(r ->
                        java.util.stream.StreamSupport.stream(r.get("changes").spliterator(), false))
                .filter(c -> c.get("key").asText().equals("shape-1"))
                .findFirst()
                .orElseThrow();
        assertThat(fieldNames(upsert)).containsExactly("op", "collection", "key", "row", "buckets");
        assertThat(upsert.get("op").asText()).isEqualTo("upsert");
        assertThat(upsert.get("collection").asText()).isEqualTo("notes");
        assertThat(fieldNames(upsert.get("row"))).containsExactly("id", "body", "owner_id", "updated_at");
        assertThat(upsert.get("row").get("body").asText()).isEqualTo("one");
        assertThat(upsert.get("row").get("updated_at").asText()).endsWith("Z");
        assertThat(upsert.get("buckets").toString()).isEqualTo("[\"myNotes[\\\"alice\\\"]\"]");
    }

    @Test
    void aPullWithoutBucketsOrHeldServesEveryGrantedBucketAndCapsTheLimit() {
        Reply reply = pull(ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"cap-alice\",\"limit\":100000000000}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("buckets").toString()).isEqualTo("[\"myNotes[\\\"alice\\\"]\"]");
    }

    @Test
    void unknownPropertiesAreIgnored() {
        Reply pulled = pull(ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"extra-c\",\"since\":\"v2\",\"x\":{}}");
        Reply pushed = push(
                ALICE,
                "{\"clientId\":\"extra-c\",\"hint\":1,\"mutations\":[{\"id\":1,\"name\":\"addNote\",\"meta\":[],"
                        + "\"args\":{\"id\":\"extra-1\",\"body\":\"b\"}}]}");

        assertThat(pulled.status()).isEqualTo(200);
        assertThat(pushed.status()).isEqualTo(200);
        assertThat(pushed.json().get("results").get(0).get("status").asText()).isEqualTo("applied");
    }

    // ---- per-mutation outcomes (200) ----

    @Test
    void anUnknownMutatorIsRejectedInsideA200() {
        Reply reply = push(ALICE, "{\"clientId\":\"unknown-m\",\"mutations\":[{\"id\":1,\"name\":\"noSuch\"}]}");

        assertThat(reply.status()).isEqualTo(200);
        JsonNode result = reply.json().get("results").get(0);
        assertThat(result.get("status").asText()).isEqualTo("rejected");
        assertThat(result.get("error").get("code").asText()).isEqualTo("UNKNOWN_MUTATOR");
        assertThat(result.get("error").get("retryable").asBoolean()).isFalse();
    }

    @Test
    void invalidArgsAreRejectedWithTheirPaths() {
        Reply reply = push(
                ALICE,
                "{\"clientId\":\"invalid-args\",\"mutations\":["
                        + "{\"id\":1,\"name\":\"addNote\",\"args\":{\"id\":\"x\"}},"
                        + "{\"id\":2,\"name\":\"addNote\",\"args\":{\"id\":\"y\",\"body\":5}},"
                        + "{\"id\":3,\"name\":\"addNote\",\"args\":{\"id\":\"z\",\"body\":\"b\",\"color\":\"red\"}},"
                        + "{\"id\":4,\"name\":\"editNote\",\"args\":{\"id\":\"z\",\"body\":\"locked now\"}}]}");

        assertThat(reply.status()).isEqualTo(200);
        JsonNode results = reply.json().get("results");
        assertThat(results.get(0).get("error").get("code").asText()).isEqualTo("INVALID_ARGS");
        assertThat(results.get(0)
                        .get("error")
                        .get("details")
                        .get("errors")
                        .get(0)
                        .get("path")
                        .asText())
                .isEqualTo("body");
        assertThat(results.get(1)
                        .get("error")
                        .get("details")
                        .get("errors")
                        .get(0)
                        .get("path")
                        .asText())
                .isEqualTo("body");
        assertThat(results.get(2)
                        .get("error")
                        .get("details")
                        .get("errors")
                        .get(0)
                        .get("path")
                        .asText())
                .isEqualTo("color");
        assertThat(results.get(3).get("error").get("code").asText()).isEqualTo("MUTATION_REJECTED");
        assertThat(results.get(3).get("error").get("details").get("reason").asText())
                .isEqualTo("LOCKED");
    }

    @Test
    void aReplayAnswersTheRecordedOutcomeMarkedReplayed() {
        push(ALICE, addNote("replay-c", 1, "replay-1", "once"));

        Reply again = push(ALICE, addNote("replay-c", 1, "replay-1", "once"));

        assertThat(again.status()).isEqualTo(200);
        JsonNode result = again.json().get("results").get(0);
        assertThat(fieldNames(result)).containsExactly("id", "status", "replayed", "result");
        assertThat(result.get("replayed").asBoolean()).isTrue();
        assertThat(target().count("select count(*) from notes where id = 'replay-1'"))
                .isOne();
    }

    // ---- request errors ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not JSON                | {clientId: "c"}                                                       | ``
            truncated               | {"clientId": "bad-1", "mutations": [{"id": 1, "name": "addNote"       | ``
            an array                | [{"clientId": "bad-1"}]                                               | ``
            duplicate keys          | {"clientId": "bad-1", "mutations": [{"id": 1, "id": 1, "name": "addNote"}]} | ``
            wrong type              | {"clientId": 42, "mutations": [{"id": 1, "name": "addNote"}]}         | clientId
            missing field           | {"clientId": "bad-1", "mutations": [{"id": 1}]}                      | mutations[0].name
            id zero                 | {"clientId": "bad-1", "mutations": [{"id": 0, "name": "addNote"}]}    | mutations[0].id
            id above 2^53-1         | {"clientId": "bad-1", "mutations": [{"id": 9007199254740992, "name": "addNote"}]} | mutations[0].id
            non-integral id         | {"clientId": "bad-1", "mutations": [{"id": 1.5, "name": "addNote"}]}  | mutations[0].id
            integral decimal id     | {"clientId": "bad-1", "mutations": [{"id": 1.0, "name": "addNote"}]}  | mutations[0].id
            id as string            | {"clientId": "bad-1", "mutations": [{"id": "1", "name": "addNote"}]}  | mutations[0].id
            NUL in args             | {"clientId": "bad-1", "mutations": [{"id": 1, "name": "addNote", "args": {"body": "\\u0000"}}]} | mutations[0].args.body
            duplicate ids           | {"clientId": "bad-1", "mutations": [{"id": 1, "name": "addNote"}, {"id": 1, "name": "addNote"}]} | ``
            """)
    void malformedPushesAre400WithDetailsAndLeaveNoTrace(String what, String body, String path) {
        long journal = journalRows();
        long clients = clientRows();

        Reply reply = push(ALICE, body);

        assertThat(reply.status()).as(what).isEqualTo(400);
        JsonNode error = reply.error();
        assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(error.get("retryable").asBoolean()).isFalse();
        if (!path.isEmpty()) {
            assertThat(error.get("details").get("errors").get(0).get("path").asText())
                    .isEqualTo(path);
        }
        assertThat(journalRows()).isEqualTo(journal);
        assertThat(clientRows()).isEqualTo(clients);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            empty body              | ``                                                      | ``
            wrong type              | {"syncRule": "myNotes", "clientId": "p", "held": "x"}   | held
            limit zero              | {"syncRule": "myNotes", "clientId": "p", "limit": 0}    | limit
            limit decimal           | {"syncRule": "myNotes", "clientId": "p", "limit": 10.5} | limit
            missing syncRule        | {"clientId": "p"}                                       | syncRule
            buckets not objects     | {"syncRule": "myNotes", "clientId": "p", "buckets": [1]} | buckets[0]
            """)
    void malformedPullsAre400(String what, String body, String path) {
        Reply reply = pull(ALICE, body);

        assertThat(reply.status()).as(what).isEqualTo(400);
        JsonNode error = reply.error();
        assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        if (!path.isEmpty()) {
            assertThat(error.get("details").get("errors").get(0).get("path").asText())
                    .isEqualTo(path);
        }
    }

    /**
     * What the host answers itself under Nizhal's paths (no such endpoint, a method an endpoint does not take) is the
     * protocol's error too: JSON with a documented code, never the server's HTML page. The status stays the HTTP one,
     * the code is {@code MALFORMED_REQUEST}: the request is wrong and repeating it will not help.
     */
    @ParameterizedTest
    @CsvSource({
        "GET, sync/nope, 404",
        "POST, sync/pull/more, 404",
        "POST, nizhal/nope, 404",
        "GET, sync/pull, 405",
        "PUT, sync/push, 405",
        "DELETE, nizhal/contract, 405",
        "POST, nizhal/health, 405"
    })
    void noSuchEndpointOrMethodIsTheProtocolsErrorJson(String method, String path, int status) {
        Reply reply = target().send(target().request(path, ALICE)
                .method(
                        method,
                        method.equals("GET") || method.equals("DELETE")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).startsWith("application/json");
        JsonNode error = reply.error();
        assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(error.get("retryable").asBoolean()).isFalse();
        assertThat(fieldNames(error)).containsExactly("code", "message", "retryable", "correlationId");
        if (status == 405) {
            assertThat(reply.header("Allow"))
                    .as("the methods the endpoint takes")
                    .contains(path.startsWith("sync") ? "POST" : "GET");
        }
    }

    /**
     * TRACE would echo the request, credentials included: every runtime refuses it with 405 and echoes nothing. The
     * body is the protocol's error where the request reaches Nizhal (the embedded server, Open Liberty); Payara
     * refuses TRACE itself, before any application sees it, with a page of its own (docs/deploy.md).
     */
    @ParameterizedTest
    @ValueSource(strings = {"sync/pull", "sync/push", "nizhal/contract", "nizhal/health", "sync/nope"})
    void traceIsRefusedAndEchoesNothing(String path) throws Exception {
        HttpRequest trace = target().request(path, ALICE)
                .method("TRACE", HttpRequest.BodyPublishers.noBody())
                .build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(trace, HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(405);
            assertThat(response.body()).doesNotContain(ALICE, "Authorization");
            if (response.headers().firstValue("Nizhal-Protocol").isPresent()) {
                Reply reply = new Reply(response.statusCode(), response.headers(), response.body());
                HttpTarget.checkNoLeak(reply);
                assertThat(reply.error().get("code").asText()).isEqualTo("MALFORMED_REQUEST");
            }
        }
    }

    @Test
    void anUnknownSyncRuleIs404() {
        Reply reply = pull(ALICE, "{\"syncRule\":\"noSuchRule\",\"clientId\":\"rule-c\"}");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.error().get("code").asText()).isEqualTo("UNKNOWN_SYNC_RULE");
    }

    @Test
    void missingOrInvalidCredentialsAre401WithWwwAuthenticateAndOnlyTheCode() {
        List<Reply> replies = List.of(
                pull(null, "{\"syncRule\":\"myNotes\",\"clientId\":\"auth-c\"}"),
                pull("forged-token", "{\"syncRule\":\"myNotes\",\"clientId\":\"auth-c\"}"),
                target().post("sync/push", null, "{}", "Authorization", "Basic YWxpY2U6cA=="),
                target().get("nizhal/contract", null));

        for (Reply reply : replies) {
            assertThat(reply.status()).isEqualTo(401);
            assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
            JsonNode error = reply.error();
            assertThat(error.get("code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(fieldNames(error)).containsExactly("code", "message", "retryable", "correlationId");
            assertThat(reply.body()).doesNotContain("unknown token");
        }
    }

    /** An actor id that PostgreSQL text cannot hold is a refused credential, not a failed transaction. */
    @Test
    void anActorIdWithNulOrHalfASurrogatePairIs401() {
        for (String token : List.of(SeedApp.NUL_ACTOR, SeedApp.SURROGATE_ACTOR)) {
            Reply pulled = pull(token, "{\"syncRule\":\"myNotes\",\"clientId\":\"odd-actor-c\"}");
            Reply pushed = push(token, addNote("odd-actor-c", 1, "odd-actor-1", "b"));

            for (Reply reply : List.of(pulled, pushed)) {
                assertThat(reply.status()).as("%s: %s", token, reply.body()).isEqualTo(401);
                assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
                assertThat(reply.error().get("code").asText()).isEqualTo("UNAUTHENTICATED");
            }
        }
        assertThat(target().count("select count(*) from nizhal.clients where client_id = 'odd-actor-c'"))
                .isZero();
    }

    @Test
    void anotherProtocolVersionIs426() {
        for (String version : List.of("2", "0", "abc")) {
            Reply reply =
                    pull(ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"proto-c\"}", "Nizhal-Protocol", version);

            assertThat(reply.status()).as(version).isEqualTo(426);
            assertThat(reply.error().get("code").asText()).isEqualTo("UNSUPPORTED_PROTOCOL");
        }
        assertThat(pull(ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"proto-c\"}", "Nizhal-Protocol", "1")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aBodyOverOneMebibyteIs413WithOrWithoutContentLength() {
        String padding = "x".repeat(1024 * 1024);
        String tooLarge = "{\"syncRule\":\"myNotes\",\"clientId\":\"big-c\",\"pad\":\"" + padding + "\"}";

        Reply declared = pull(ALICE, tooLarge);
        Reply chunked = target().send(target().request("sync/pull", ALICE)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(tooLarge.getBytes(StandardCharsets.UTF_8)))));

        for (Reply reply : List.of(declared, chunked)) {
            assertThat(reply.status()).isEqualTo(413);
            JsonNode error = reply.error();
            assertThat(error.get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
            assertThat(error.get("details").get("limit").asLong()).isEqualTo(1024 * 1024);
        }
    }

    @Test
    void aBodyOfExactlyOneMebibyteIsRead() {
        String head = "{\"syncRule\":\"myNotes\",\"clientId\":\"exact-c\",\"pad\":\"";
        String body = head + "x".repeat(1024 * 1024 - head.length() - 2) + "\"}";
        assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(1024 * 1024);

        assertThat(pull(ALICE, body).status()).isEqualTo(200);
    }

    @Test
    void aClientIdBoundToAnotherActorIs403OnPushAndPull() {
        assertThat(push(ALICE, addNote("bound-c", 1, "bound-1", "mine")).status())
                .isEqualTo(200);

        Reply pushed = push(BOB, addNote("bound-c", 2, "bound-2", "theirs"));
        Reply pulled = pull(BOB, "{\"syncRule\":\"myNotes\",\"clientId\":\"bound-c\"}");

        for (Reply reply : List.of(pushed, pulled)) {
            assertThat(reply.status()).isEqualTo(403);
            assertThat(reply.error().get("code").asText()).isEqualTo("CLIENT_ACTOR_MISMATCH");
        }
        assertThat(target().count("select count(*) from notes where id = 'bound-2'"))
                .isZero();
    }

    @Test
    void aFirstIdAboveTheExpectedOneIs409WithTheExpectedId() {
        Reply reply = push(ALICE, addNote("order-c", 3, "order-3", "early"));

        assertThat(reply.status()).isEqualTo(409);
        JsonNode error = reply.error();
        assertThat(error.get("code").asText()).isEqualTo("MUTATION_ORDER");
        assertThat(error.get("details").get("expected").asLong()).isEqualTo(1);
    }

    @Test
    void aReplayWithOtherArgsIs409Conflict() {
        push(ALICE, addNote("conflict-c", 1, "conflict-1", "first"));

        Reply reply = push(ALICE, addNote("conflict-c", 1, "conflict-1", "second"));

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.error().get("code").asText()).isEqualTo("MUTATION_CONFLICT");
    }

    @Test
    void anUnexpectedFailureIs500WithACorrelationIdAndNoDetail() {
        Reply reply = pull(SeedApp.BROKEN, "{\"syncRule\":\"myNotes\",\"clientId\":\"boom-c\"}");

        assertThat(reply.status()).isEqualTo(500);
        JsonNode error = reply.error();
        assertThat(error.get("code").asText()).isEqualTo("INTERNAL");
        assertThat(fieldNames(error)).containsExactly("code", "message", "retryable", "correlationId");
        assertThat(reply.body()).doesNotContain("secrets", "PSQL");
    }

    // ---- contract and health ----

    @Test
    void theContractDescribesRulesAndMutatorArgsAsJsonSchema() {
        Reply reply = target().get("nizhal/contract", ALICE);

        assertThat(reply.status()).isEqualTo(200);
        JsonNode contract = reply.json();
        assertThat(contract.get("protocol").asInt()).isEqualTo(1);
        assertThat(fieldNames(contract.get("syncRules"))).containsExactly("announcements", "myNotes", "sharedLists");
        JsonNode myNotes = contract.get("syncRules").get("myNotes");
        assertThat(myNotes.get("parameters").get(0).get("name").asText()).isEqualTo("ownerId");
        assertThat(myNotes.get("collections").get("notes").get("key").toString())
                .isEqualTo("[\"id\"]");
        assertThat(myNotes.get("collections")
                        .get("notes")
                        .get("columns")
                        .get("body")
                        .asText())
                .isEqualTo("text");
        JsonNode addNote = contract.get("mutators").get("addNote");
        assertThat(addNote.get("type").asText()).isEqualTo("object");
        assertThat(addNote.get("properties").has("body")).isTrue();
    }

    @Test
    void healthIsUpWithoutCredentials() {
        Reply reply = target().get("nizhal/health", null);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("{\"status\":\"UP\",\"database\":\"UP\",\"migrations\":\"CURRENT\"}");
    }
}
