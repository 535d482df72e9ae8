package dev.nizhal.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PullChanges.Change;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A client that behaves like a real one (PROTOCOL.md): rows with their bucket sets, a held list, and
 * compare-and-set application of responses, so a stale or duplicated response is refused.
 */
final class SyncTestClient {
    private final Nizhal nizhal;
    private final Actor actor;
    private final String clientId;
    private final String rule;
    private String filtersJson;

    private String cursor;
    private final Set<String> held = new TreeSet<>();
    private final Map<String, Map<String, ClientRow>> collections = new TreeMap<>();
    private final List<PullResponse> applied = new ArrayList<>();

    /** A row as the client stores it. */
    record ClientRow(Map<String, Object> values, Set<String> buckets) {}

    SyncTestClient(Nizhal nizhal, Actor actor, String clientId, String rule) {
        this.nizhal = nizhal;
        this.actor = actor;
        this.clientId = clientId;
        this.rule = rule;
    }

    void filter(String json) {
        this.filtersJson = json;
    }

    /** One pull, applied. */
    PullResponse pull(int limit) {
        String sent = cursor;
        PullResponse response = fetch(limit);
        assertThat(apply(sent, response)).as("a fresh response applies").isTrue();
        return response;
    }

    /** One pull, not applied (a lost response). */
    PullResponse fetch(int limit) {
        return nizhal.pull(actor, new PullRequest(rule, clientId, cursor, filtersJson, List.copyOf(held), limit));
    }

    /** Pulls until {@code hasMore} is false; fails after {@code maxPulls}. */
    List<PullResponse> sync(int limit, int maxPulls) {
        List<PullResponse> responses = new ArrayList<>();
        for (int i = 0; i < maxPulls; i++) {
            PullResponse response = pull(limit);
            responses.add(response);
            if (!response.hasMore()) {
                return responses;
            }
        }
        throw new AssertionError("still hasMore after " + maxPulls + " pulls");
    }

    List<PullResponse> sync() {
        return sync(1000, 100);
    }

    /** Applies a response if the stored cursor still equals the one it was asked with (compare-and-set). */
    boolean apply(String sentCursor, PullResponse response) {
        if (!Objects.equals(cursor, sentCursor)) {
            return false;
        }
        if (response.reset()) {
            collections.clear();
            held.clear();
        }
        for (Change change : response.changes()) {
            Map<String, ClientRow> rows = collections.computeIfAbsent(change.collection(), c -> new TreeMap<>());
            switch (change) {
                case Upsert u -> rows.put(u.key(), new ClientRow(u.row(), new LinkedHashSet<>(u.buckets())));
                case Delete d -> rows.remove(d.key());
            }
        }
        for (String bucket : response.revokedBuckets()) {
            held.remove(bucket);
            for (Map<String, ClientRow> rows : collections.values()) {
                rows.values().forEach(r -> r.buckets().remove(bucket));
                rows.values().removeIf(r -> r.buckets().isEmpty());
            }
        }
        held.addAll(response.loadedBuckets());
        cursor = response.cursor();
        applied.add(response);
        return true;
    }

    String cursor() {
        return cursor;
    }

    String filter() {
        return filtersJson;
    }

    /** Damages the stored cursor, as a broken local store would. */
    void corruptCursor() {
        cursor = cursor == null ? "corrupted" : "x" + cursor;
    }

    Set<String> held() {
        return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(held));
    }

    /** The rows of one collection: key → values. */
    Map<String, Map<String, Object>> rows(String collection) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        collections.getOrDefault(collection, Map.of()).forEach((k, r) -> out.put(k, r.values()));
        return out;
    }

    /** The bucket sets of one collection's rows: key → buckets. */
    Map<String, Set<String>> buckets(String collection) {
        Map<String, Set<String>> out = new HashMap<>();
        collections.getOrDefault(collection, Map.of()).forEach((k, r) -> out.put(k, Set.copyOf(r.buckets())));
        return out;
    }

    Set<String> keys(String collection) {
        return new TreeSet<>(collections.getOrDefault(collection, Map.of()).keySet());
    }
}
