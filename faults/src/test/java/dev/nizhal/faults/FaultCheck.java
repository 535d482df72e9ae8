package dev.nizhal.faults;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Jdbi;

/**
 * The check that ends every fault, once the fault is over and the clients' threads have stopped:
 *
 * <ol>
 *   <li>every client goes online and pushes its outbox empty (every mutation gets an acknowledged outcome);
 *   <li>exactly once: every mutation acknowledged {@code applied} ran exactly once ({@code fault_applied}, the
 *       mutator's own log, and its effect: the entry, the counter's sum), one acknowledged {@code rejected} never ran,
 *       the journal agrees with both, and it holds no rejection of a mutation that should have applied;
 *   <li>convergence and no leak: every client pulls every rule until {@code hasMore} is false, and then holds
 *       exactly the rows of the rule's own predicate for its actor, column for column, each with its one bucket,
 *       holding exactly the buckets granted.
 * </ol>
 */
final class FaultCheck {
    private FaultCheck() {}

    /** The figures of the check; {@code duplicated} and {@code lost} should be 0. */
    record Result(
            long issued, long applied, long rejected, long duplicated, long lost, long rowsCompared, long drainMillis) {
        String summary() {
            return "issued=" + issued + " acknowledgedApplied=" + applied + " acknowledgedRejected=" + rejected
                    + " duplicated=" + duplicated + " lost=" + lost + " rowsCompared=" + rowsCompared + " drainMs="
                    + drainMillis;
        }
    }

    private record Run(String clientId, long mutationId) {}

    private record Journaled(String status, String code, String reason) {}

    static Result run(Jdbi db, List<SimClient> clients, Violations violations, Duration timeout) {
        long drainStart = System.nanoTime();
        forEach(clients, client -> {
            if (!client.drain(timeout)) {
                violations.add(client.clientId() + ": outbox not empty after " + timeout + " online without faults");
            }
        });
        long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;

        Map<Run, Integer> runs = new HashMap<>();
        db.useHandle(h -> h.createQuery(
                        "select client_id, mutation_id, count(*) from fault_applied group by client_id, mutation_id")
                .map((rs, ctx) -> Map.entry(new Run(rs.getString(1), rs.getLong(2)), rs.getInt(3)))
                .forEach(e -> runs.put(e.getKey(), e.getValue())));
        Map<Run, Integer> entries = new HashMap<>();
        db.useHandle(h -> h.createQuery(
                        "select client_id, mutation_id, count(*) from fault_entries group by client_id, mutation_id")
                .map((rs, ctx) -> Map.entry(new Run(rs.getString(1), rs.getLong(2)), rs.getInt(3)))
                .forEach(e -> entries.put(e.getKey(), e.getValue())));
        Map<Run, Journaled> journal = new HashMap<>();
        db.useHandle(h -> h.createQuery("select client_id, mutation_id, status, error->>'code',"
                        + " error->'details'->>'reason' from nizhal.mutation_journal")
                .map((rs, ctx) -> Map.entry(
                        new Run(rs.getString(1), rs.getLong(2)),
                        new Journaled(rs.getString(3), rs.getString(4), rs.getString(5))))
                .forEach(e -> journal.put(e.getKey(), e.getValue())));
        Map<String, Long> counters = new TreeMap<>();
        db.useHandle(h -> h.createQuery("select id, value from fault_counters")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> counters.put(e.getKey(), e.getValue())));

        long issued = 0;
        long applied = 0;
        long rejected = 0;
        long duplicated = 0;
        long lost = 0;
        Map<String, Long> expectedCounters = new TreeMap<>();
        Set<Run> known = new java.util.HashSet<>();
        for (SimClient client : clients) {
            for (long id = 1; id <= client.issuedThrough(); id++) {
                issued++;
                Run run = new Run(client.clientId(), id);
                known.add(run);
                SimClient.Mutation mutation = client.issued().get(id);
                SimClient.Outcome outcome = client.outcomes().get(id);
                int times = runs.getOrDefault(run, 0);
                Journaled journaled = journal.get(run);
                if (outcome == null) {
                    violations.add(run + " never acknowledged (" + times + " run(s), journal " + journaled + ")");
                    continue;
                }
                if (outcome.status().equals("applied")) {
                    applied++;
                    if (times == 0) {
                        lost++;
                        violations.add("LOST: " + run + " " + mutation.name() + " acknowledged applied, never ran");
                    } else if (times > 1) {
                        duplicated += times - 1;
                        violations.add("DUPLICATED: " + run + " " + mutation.name() + " ran " + times + " times");
                    }
                    if (mutation.name().equals("increment")) {
                        expectedCounters.merge(
                                mutation.args().path("id").asText(),
                                mutation.args().path("by").asLong(),
                                Long::sum);
                    } else if (entries.getOrDefault(run, 0) != 1) {
                        violations.add(run + " append applied, " + entries.getOrDefault(run, 0) + " entries");
                    }
                } else {
                    rejected++;
                    if (times != 0) {
                        duplicated += times;
                        violations.add(run + " acknowledged rejected, yet ran " + times + " time(s)");
                    }
                }
                if (journaled == null) {
                    lost++;
                    violations.add("LOST: " + run + " acknowledged " + outcome.status() + ", not in the journal");
                } else if (!journaled.status().equals(outcome.status())) {
                    violations.add(run + " acknowledged " + outcome.status() + ", journal says " + journaled);
                }
                if (journaled != null
                        && journaled.status().equals("rejected")
                        && !(mutation.rejectable()
                                && "MUTATION_REJECTED".equals(journaled.code())
                                && "NOT_A_MEMBER".equals(journaled.reason()))) {
                    violations.add("a rejection recorded for " + run + " " + mutation.name() + " " + mutation.args()
                            + ": " + journaled);
                }
            }
        }
        for (Map.Entry<Run, Integer> r : runs.entrySet()) {
            if (!known.contains(r.getKey())) {
                violations.add("a mutation nobody issued ran: " + r.getKey() + " x" + r.getValue());
            }
        }
        for (Run j : journal.keySet()) {
            if (!known.contains(j)) {
                violations.add("a journal entry nobody issued: " + j + " " + journal.get(j));
            }
        }
        if (!counters.equals(expectedCounters)) {
            Set<String> keys = new TreeSet<>(counters.keySet());
            keys.addAll(expectedCounters.keySet());
            for (String key : keys) {
                if (!java.util.Objects.equals(counters.get(key), expectedCounters.get(key))) {
                    violations.add("counter " + key + " is " + counters.get(key)
                            + ", the acknowledged increments sum to " + expectedCounters.get(key));
                }
            }
        }

        long rowsCompared = converge(db, clients, violations, timeout);
        return new Result(issued, applied, rejected, duplicated, lost, rowsCompared, drainMillis);
    }

    /** Every client pulls every rule to the end and must then hold exactly what the rule's predicate selects. */
    private static long converge(Jdbi db, List<SimClient> clients, Violations violations, Duration timeout) {
        forEach(clients, client -> {
            for (String rule : FaultApp.RULES) {
                if (!client.syncToEnd(rule, timeout)) {
                    violations.add(client.clientId() + " " + rule + ": no drained pull within " + timeout);
                }
            }
        });
        long compared = 0;
        for (SimClient client : clients) {
            for (String rule : FaultApp.RULES) {
                compared += compare(db, client, rule, violations);
            }
        }
        return compared;
    }

    private static long compare(Jdbi db, SimClient client, String rule, Violations violations) {
        String who = client.clientId() + " (" + client.actor() + ") " + rule;
        Replica replica = client.replica(rule);
        Set<String> granted = new TreeSet<>(FaultApp.grantedBuckets(rule, client.actor()));
        if (!new TreeSet<>(replica.held()).equals(granted) || !new TreeSet<>(replica.served()).equals(granted)) {
            violations.add(who + ": holds " + replica.held() + ", served " + replica.served() + ", granted " + granted);
        }
        long compared = 0;
        for (String collection : List.of(FaultApp.COUNTERS, FaultApp.ENTRIES)) {
            Map<String, JsonNode> expected = new TreeMap<>();
            db.useHandle(h -> h.createQuery(FaultApp.oracleSql(rule, collection))
                    .bind("actor", client.actor())
                    .map((rs, ctx) -> Map.entry(rs.getString(1), parse(rs.getString(2))))
                    .forEach(e -> expected.put(e.getKey(), e.getValue())));
            Map<String, Replica.StoredRow> held = replica.collections().getOrDefault(collection, Map.of());
            if (!expected.keySet().equals(held.keySet())) {
                Set<String> missing = new TreeSet<>(expected.keySet());
                missing.removeAll(held.keySet());
                Set<String> extra = new TreeSet<>(held.keySet());
                extra.removeAll(expected.keySet());
                violations.add(who + " " + collection + ": not converged: missing " + first(missing) + " ("
                        + missing.size() + "), extra " + first(extra) + " (" + extra.size() + ")");
            }
            for (Map.Entry<String, JsonNode> row : expected.entrySet()) {
                Replica.StoredRow stored = held.get(row.getKey());
                if (stored == null) {
                    continue;
                }
                compared++;
                if (!stored.row().equals(row.getValue())) {
                    violations.add(who + " " + collection + "/" + row.getKey() + ": holds " + stored.row()
                            + ", the database has " + row.getValue());
                }
                String bucket = FaultApp.bucketOf(
                        rule,
                        row.getValue().path("owner_id").asText(),
                        row.getValue().path("team_id").asText());
                if (!stored.buckets().equals(Set.of(bucket))) {
                    violations.add(who + " " + collection + "/" + row.getKey() + ": buckets " + stored.buckets()
                            + ", expected [" + bucket + "]");
                }
            }
        }
        return compared;
    }

    private static List<String> first(Set<String> keys) {
        return keys.stream().limit(5).toList();
    }

    private static JsonNode parse(String json) {
        try {
            return SyncHttp.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code work} for every client at once, one thread each, and waits for all. */
    static void forEach(List<SimClient> clients, java.util.function.Consumer<SimClient> work) {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (SimClient client : clients) {
                futures.add(pool.submit(() -> work.accept(client)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
