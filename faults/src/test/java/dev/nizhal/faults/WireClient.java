package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sync client over real HTTP, as PROTOCOL.md describes one: it keeps rows with their bucket sets and its {@code
 * held} list, applies a response only if its cursor is still the one it sent, drops everything on {@code reset}, and
 * pushes its mutations with contiguous ids until each is acknowledged. Every upsert it receives is checked on arrival:
 * only its actor's own bucket may be named, and the row must be the actor's (no row outside its buckets). It keeps a
 * ledger of acknowledged mutations for the exactly-once check. Not thread-safe: one thread drives one client.
 */
final class WireClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status and JSON body (null when the body is not JSON). */
    record Reply(int status, JsonNode body, String retryAfter, Duration took) {
        JsonNode error() {
            return body == null ? null : body.get("error");
        }
    }

    /** A mutation the client made: its id, name, args, and the counter it bumps (null when not a bump). */
    record Mutation(long id, String name, ObjectNode args, String counter) {}

    private final HttpClient http;
    private final String actor;
    private final String clientId;
    private final String token;
    private final String bucket;
    private URI base;
    private String cursor;
    private final Set<String> held = new HashSet<>();
    /** collection → key → (row, buckets) */
    private final Map<String, Map<String, Held>> rows = new HashMap<>();

    private long nextId = 1;
    private final List<Mutation> pending = new ArrayList<>();
    /** Acknowledged mutations by id: the outcome's status and server id. */
    private final Map<Long, JsonNode> acknowledged = new TreeMap<>();

    private final Map<Long, Mutation> made = new LinkedHashMap<>();

    final AtomicLong pulls = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong transientAnswers = new AtomicLong();
    private Duration slowestPull = Duration.ZERO;

    record Held(JsonNode row, Set<String> buckets) {}

    WireClient(URI base, String actor, String clientId) {
        this(base, actor, clientId, CounterApp.tokenOf(actor));
    }

    /** A client presenting {@code token} (of {@code actor}). */
    WireClient(URI base, String actor, String clientId, String token) {
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.base = base;
        this.actor = actor;
        this.clientId = clientId;
        this.token = token;
        this.bucket = CounterApp.bucketOf(actor);
    }

    /** Talks to another instance from now on (cursors and ids are the database's, not the instance's). */
    void useInstance(URI instance) {
        this.base = instance;
    }

    String actor() {
        return actor;
    }

    String clientId() {
        return clientId;
    }

    String cursor() {
        return cursor;
    }

    Duration slowestPull() {
        return slowestPull;
    }

    Reply post(String path, JsonNode body) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(base.resolve(path))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JSON.readTree(response.body());
            } catch (IOException notJson) {
                json = null;
            }
            return new Reply(
                    response.statusCode(),
                    json,
                    response.headers().firstValue("Retry-After").orElse(null),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One pull, applied. */
    JsonNode pull(int limit) {
        Reply reply = tryPull(limit);
        assertThat(reply.status()).as("pull answer %s", reply.body()).isEqualTo(200);
        return reply.body();
    }

    /** One pull with the stored cursor; applied when answered 200, else left for the caller to judge. */
    Reply tryPull(int limit) {
        ObjectNode body = JSON.createObjectNode()
                .put("syncRule", CounterApp.RULE)
                .put("clientId", clientId)
                .put("limit", limit);
        body.put("cursor", cursor);
        ArrayNode heldList = body.putArray("held");
        held.stream().sorted().forEach(heldList::add);
        Reply reply = post("sync/pull", body);
        pulls.incrementAndGet();
        if (reply.took().compareTo(slowestPull) > 0) {
            slowestPull = reply.took();
        }
        if (reply.status() == 200) {
            apply(reply.body());
        }
        return reply;
    }

    /** Pulls until up to date (bounded); returns the pulls it took. */
    int sync() {
        for (int i = 1; i <= 10_000; i++) {
            if (!pull(200).get("hasMore").asBoolean()) {
                return i;
            }
        }
        throw new AssertionError(clientId + " still has more after 10000 pulls");
    }

    private void apply(JsonNode response) {
        if (response.get("reset").asBoolean()) {
            resets.incrementAndGet();
            rows.clear();
            held.clear();
        }
        for (JsonNode change : response.get("changes")) {
            String collection = change.get("collection").asText();
            String key = change.get("key").asText();
            Map<String, Held> table = rows.computeIfAbsent(collection, c -> new HashMap<>());
            if (change.get("op").asText().equals("upsert")) {
                Set<String> buckets = new HashSet<>();
                change.get("buckets").forEach(b -> buckets.add(b.asText()));
                JsonNode row = change.get("row");
                assertThat(buckets)
                        .as("buckets of %s/%s sent to %s", collection, key, actor)
                        .containsOnly(bucket);
                assertThat(row.get("owner_id").asText())
                        .as("owner of %s/%s sent to %s", collection, key, actor)
                        .isEqualTo(actor);
                table.put(key, new Held(row, buckets));
            } else {
                table.remove(key);
            }
        }
        for (JsonNode revoked : response.get("revokedBuckets")) {
            String b = revoked.asText();
            held.remove(b);
            rows.values()
                    .forEach(table -> table.values().removeIf(h -> {
                        h.buckets().remove(b);
                        return h.buckets().isEmpty();
                    }));
        }
        response.get("loadedBuckets").forEach(b -> held.add(b.asText()));
        cursor = response.get("cursor").asText();
    }

    /** The rows the client holds for {@code collection}: key → row. */
    Map<String, JsonNode> rows(String collection) {
        Map<String, JsonNode> out = new TreeMap<>();
        rows.getOrDefault(collection, Map.of()).forEach((k, h) -> out.put(k, h.row()));
        return out;
    }

    /** Makes a {@code bump} of {@code counter}, pending until acknowledged. */
    Mutation bump(String counter) {
        return make("bump", JSON.createObjectNode().put("id", counter), counter);
    }

    /** Makes a {@code stamp}, pending until acknowledged. */
    Mutation stamp(String note) {
        return make("stamp", JSON.createObjectNode().put("note", note), null);
    }

    private Mutation make(String name, ObjectNode args, String counter) {
        Mutation m = new Mutation(nextId++, name, args, counter);
        pending.add(m);
        made.put(m.id(), m);
        return m;
    }

    List<Mutation> pending() {
        return List.copyOf(pending);
    }

    /** A push body of these mutations. */
    ObjectNode pushBody(List<Mutation> batch) {
        ObjectNode body = JSON.createObjectNode().put("clientId", clientId);
        ArrayNode mutations = body.putArray("mutations");
        for (Mutation m : batch) {
            mutations.addObject().put("id", m.id()).put("name", m.name()).set("args", m.args());
        }
        return body;
    }

    /**
     * Pushes what is pending (at most 100) once and takes in the outcomes: acknowledged ones leave the queue, a
     * transient stop leaves the rest. Returns the reply; a refusal other than a retryable one fails the test.
     */
    Reply pushOnce() {
        List<Mutation> batch = pending.subList(0, Math.min(100, pending.size()));
        Reply reply = post("sync/push", pushBody(batch));
        takeIn(reply);
        return reply;
    }

    /** Takes in a push reply: what was acknowledged leaves the queue. */
    void takeIn(Reply reply) {
        if (reply.status() != 200) {
            JsonNode error = reply.error();
            assertThat(error)
                    .as("push refusal %s %s", reply.status(), reply.body())
                    .isNotNull();
            assertThat(error.get("retryable").asBoolean())
                    .as("a push refused without retry: %s", reply.body())
                    .isTrue();
            transientAnswers.incrementAndGet();
            return;
        }
        for (JsonNode result : reply.body().get("results")) {
            long id = result.get("id").asLong();
            String status = result.get("status").asText();
            if (status.equals("notAttempted")) {
                if (result.has("error")) {
                    assertThat(result.get("error").get("retryable").asBoolean()).isTrue();
                    transientAnswers.incrementAndGet();
                }
                break;
            }
            assertThat(status).as("outcome of %s/%d: %s", clientId, id, result).isEqualTo("applied");
            JsonNode before = acknowledged.putIfAbsent(id, result);
            if (before != null) {
                assertThat(result.get("result"))
                        .as("a replay of %s/%d answers the recorded outcome", clientId, id)
                        .isEqualTo(before.get("result"));
            }
            pending.removeIf(m -> m.id() == id);
        }
    }

    /** Pushes until nothing is pending, retrying transient answers (bounded). */
    void pushAll(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(clientId + ": " + pending.size() + " mutations still pending after " + within);
            }
            pushOnce();
        }
    }

    Map<Long, JsonNode> acknowledged() {
        return acknowledged;
    }

    /** The acknowledged bumps per counter: what each counter must hold if every one applied exactly once. */
    Map<String, Long> acknowledgedBumps() {
        Map<String, Long> out = new TreeMap<>();
        acknowledged.keySet().forEach(id -> {
            Mutation m = made.get(id);
            if (m.counter() != null) {
                out.merge(m.counter(), 1L, Long::sum);
            }
        });
        return out;
    }

    long lastAcknowledged() {
        return acknowledged.isEmpty() ? 0 : ((TreeMap<Long, JsonNode>) acknowledged).lastKey();
    }
}
