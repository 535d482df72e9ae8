package dev.nizhal.faults;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One client's local copy of one sync rule, kept as PROTOCOL.md says a client keeps it: rows with their bucket sets,
 * the {@code held} list and the cursor; a response applies only if the stored cursor still equals the one it was
 * asked with (compare-and-set). While applying it checks what a single response can break: no upsert of a row
 * outside the actor's grants or naming a bucket other than the row's own (P2), and no counter going back (P5:
 * counters only go up).
 */
final class Replica {
    /** A row as the client stores it. */
    record StoredRow(JsonNode row, Set<String> buckets) {}

    private final String rule;
    private final String actor;
    private final Set<String> granted;
    private final Violations violations;
    private final Tally tally;

    private String cursor;
    private boolean hasMore = true;
    private final Set<String> held = new TreeSet<>();
    private Set<String> served = Set.of();
    private final Map<String, Map<String, StoredRow>> collections = new TreeMap<>();
    /** The highest value each counter key has had in an applied response: never lower afterwards (P5). */
    private final Map<String, Long> counterHighs = new HashMap<>();

    Replica(String rule, String actor, Violations violations, Tally tally) {
        this.rule = rule;
        this.actor = actor;
        this.granted = Set.copyOf(FaultApp.grantedBuckets(rule, actor));
        this.violations = violations;
        this.tally = tally;
    }

    String rule() {
        return rule;
    }

    String cursor() {
        return cursor;
    }

    /** Whether the last applied response said {@code hasMore} (true before the first one). */
    boolean hasMore() {
        return hasMore;
    }

    List<String> held() {
        return new ArrayList<>(held);
    }

    Set<String> served() {
        return served;
    }

    Map<String, Map<String, StoredRow>> collections() {
        return collections;
    }

    /**
     * Applies {@code response}, the answer to a pull sent with {@code sentCursor}, if the stored cursor still equals
     * it; else refuses it (a stale or duplicated response) and returns false.
     */
    boolean apply(String sentCursor, JsonNode response, String context) {
        if (!Objects.equals(cursor, sentCursor)) {
            tally.inc("pullStaleRefused");
            return false;
        }
        checkServed(response, context);
        if (response.path("reset").asBoolean()) {
            tally.inc("pullResets");
            collections.clear();
            held.clear();
        }
        for (JsonNode change : response.path("changes")) {
            String collection = change.path("collection").asText();
            String key = change.path("key").asText();
            Map<String, StoredRow> rows = collections.computeIfAbsent(collection, c -> new TreeMap<>());
            switch (change.path("op").asText()) {
                case "upsert" -> {
                    JsonNode row = change.path("row");
                    Set<String> buckets = new TreeSet<>();
                    change.path("buckets").forEach(b -> buckets.add(b.asText()));
                    checkUpsert(collection, key, row, buckets, context);
                    rows.put(key, new StoredRow(row, buckets));
                    tally.inc("pullUpserts");
                }
                case "delete" -> {
                    rows.remove(key);
                    tally.inc("pullDeletes");
                }
                default -> violations.add(context + ": unknown op in " + change);
            }
        }
        for (JsonNode revoked : response.path("revokedBuckets")) {
            String bucket = revoked.asText();
            held.remove(bucket);
            for (Map<String, StoredRow> rows : collections.values()) {
                rows.values().forEach(r -> r.buckets().remove(bucket));
                rows.values().removeIf(r -> r.buckets().isEmpty());
            }
        }
        response.path("loadedBuckets").forEach(b -> held.add(b.asText()));
        cursor = response.path("cursor").asText(null);
        hasMore = response.path("hasMore").asBoolean();
        tally.inc("pullApplied");
        return true;
    }

    private void checkServed(JsonNode response, String context) {
        Set<String> buckets = new TreeSet<>();
        response.path("buckets").forEach(b -> buckets.add(b.asText()));
        if (!granted.containsAll(buckets)) {
            violations.add(context + ": " + rule + " served " + buckets + " to " + actor + ", granted only " + granted);
        }
        served = buckets;
    }

    private void checkUpsert(String collection, String key, JsonNode row, Set<String> buckets, String context) {
        String own = FaultApp.bucketOf(
                rule, row.path("owner_id").asText(), row.path("team_id").asText());
        if (!granted.contains(own)) {
            violations.add(context + ": LEAK: " + rule + " sent " + actor + " the row " + row + " of bucket " + own
                    + ", granted only " + granted);
        }
        if (!buckets.equals(Set.of(own))) {
            violations.add(context + ": " + rule + " upsert of " + collection + "/" + key + " names buckets " + buckets
                    + ", the row matches only " + own);
        }
        if (collection.equals(FaultApp.COUNTERS)) {
            long value = row.path("value").asLong();
            Long high = counterHighs.get(key);
            if (high != null && value < high) {
                violations.add(
                        context + ": P5: counter " + key + " went back from " + high + " to " + value + " in " + rule);
            }
            counterHighs.merge(key, value, Math::max);
        }
    }
}
