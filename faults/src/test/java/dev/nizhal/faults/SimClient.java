package dev.nizhal.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A client that behaves like a real one over real HTTP: an outbox of mutations with contiguous ids pushed in batches
 * and retried with the same ids after any failure, and one {@link Replica} per rule pulled with compare-and-set. Its
 * {@link Chaos} adds what networks and devices do: offline periods, duplicated and reordered requests, answers that
 * never arrive (the request is sent and runs, its answer is dropped) and answers that arrive late.
 *
 * <p>One thread drives a client ({@link #step}); the test thread may read its progress ({@link
 * #acknowledgedThrough}, {@link #issuedThrough}, {@link #pushesInFlight}) at any time.
 */
final class SimClient {
    /** How unkind the network and the device are; probabilities per step or per request. */
    record Chaos(double goOffline, double duplicate, double reorder, double dropAnswer, double rejectable) {
        static final Chaos NONE = new Chaos(0, 0, 0, 0, 0);
    }

    /** A mutation the client made; {@code rejectable} when it names a team the actor is not in. */
    record Mutation(long id, String name, ObjectNode args, boolean rejectable) {}

    /** The acknowledged outcome of a mutation: {@code applied} or {@code rejected} (with its code and reason). */
    record Outcome(String status, String code, String reason, long recordedAt) {}

    private static final int MAX_BATCH = 20;

    private final String clientId;
    private final String actor;
    private final String token;
    private final SyncHttp http;
    private final Random random;
    private final Violations violations;
    private final Tally tally;
    private volatile Chaos chaos;

    private long nextId = 1;
    private final NavigableMap<Long, Mutation> outbox = new TreeMap<>();
    private final Map<Long, Mutation> issued = new ConcurrentHashMap<>();
    private final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong issuedThrough = new AtomicLong();
    private final AtomicLong acknowledgedThrough = new AtomicLong();
    private final AtomicInteger pushesInFlight = new AtomicInteger();
    /** A logical clock: tells an answer that was overtaken by a newer one from one that contradicts it. */
    private final AtomicLong clock = new AtomicLong();

    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final Map<String, LateAnswer> lateAnswers = new LinkedHashMap<>();
    private int offlineSteps;
    private int failuresInARow;

    private record LateAnswer(String sentCursor, JsonNode body) {}

    SimClient(
            String clientId,
            String actor,
            String token,
            SyncHttp http,
            long seed,
            Chaos chaos,
            Violations violations,
            Tally tally) {
        this.clientId = clientId;
        this.actor = actor;
        this.token = token;
        this.http = http;
        this.random = new Random(seed);
        this.chaos = chaos;
        this.violations = violations;
        this.tally = tally;
        for (String rule : FaultApp.RULES) {
            replicas.put(rule, new Replica(rule, actor, violations, tally));
        }
    }

    String clientId() {
        return clientId;
    }

    String actor() {
        return actor;
    }

    long issuedThrough() {
        return issuedThrough.get();
    }

    /** Every mutation up to this id has an acknowledged outcome. */
    long acknowledgedThrough() {
        return acknowledgedThrough.get();
    }

    int pushesInFlight() {
        return pushesInFlight.get();
    }

    Map<Long, Mutation> issued() {
        return issued;
    }

    Map<Long, Outcome> outcomes() {
        return outcomes;
    }

    Replica replica(String rule) {
        return replicas.get(rule);
    }

    void chaos(Chaos chaos) {
        this.chaos = chaos;
    }

    /** One randomized step: make mutations, push, pull, or go offline for a while. */
    void step() {
        tally.inc("steps");
        if (offlineSteps > 0) {
            offlineSteps--;
            if (random.nextInt(3) == 0) {
                issue();
            }
            LockSupport.parkNanos(Duration.ofMillis(1 + random.nextInt(3)).toNanos());
            return;
        }
        if (random.nextDouble() < chaos.goOffline()) {
            offlineSteps = 5 + random.nextInt(60);
            tally.inc("offlinePeriods");
            return;
        }
        backOffAfterFailures();
        int roll = random.nextInt(100);
        if (roll < 35) {
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                issue();
            }
        } else if (roll < 65) {
            push();
        } else {
            pull(FaultApp.RULES.get(random.nextInt(FaultApp.RULES.size())));
        }
    }

    /** Makes one mutation into the outbox: an increment or an append, now and then naming a foreign team. */
    void issue() {
        List<String> teams = FaultApp.TEAMS.get(actor);
        boolean rejectable = random.nextDouble() < chaos.rejectable();
        String team = rejectable ? FaultApp.FOREIGN_TEAM : teams.get(random.nextInt(teams.size()));
        ObjectNode args = SyncHttp.JSON.createObjectNode();
        String name;
        if (random.nextInt(10) < 6) {
            name = "increment";
            args.put("id", "k-" + actor + "-" + team + "-" + random.nextInt(3));
            args.put("teamId", team);
            args.put("by", 1 + random.nextInt(5));
        } else {
            name = "append";
            args.put("teamId", team);
            args.put("body", "e-" + clientId + "-" + nextId);
        }
        Mutation mutation = new Mutation(nextId, name, args, rejectable);
        outbox.put(nextId, mutation);
        issued.put(nextId, mutation);
        issuedThrough.set(nextId);
        nextId++;
        tally.inc("issued");
    }

    boolean outboxEmpty() {
        return outbox.isEmpty();
    }

    /** Pushes the oldest batch (or, with chaos, a duplicate or a reordered pair); returns whether all went well. */
    boolean push() {
        if (outbox.isEmpty()) {
            return true;
        }
        List<Mutation> first = batch(outbox.firstKey());
        Chaos c = chaos;
        if (random.nextDouble() < c.reorder()) {
            Long after = outbox.higherKey(first.getLast().id());
            if (after != null) {
                tally.inc("pushReordered");
                List<Mutation> second = batch(after);
                CompletableFuture<SyncHttp.Answer> later = sendPush(second);
                CompletableFuture<SyncHttp.Answer> earlier = sendPush(first);
                long sent = clock.incrementAndGet();
                boolean ok = handlePush(second, later.join(), sent);
                return handlePush(first, earlier.join(), sent) && ok;
            }
        }
        if (random.nextDouble() < c.duplicate()) {
            tally.inc("pushDuplicated");
            CompletableFuture<SyncHttp.Answer> one = sendPush(first);
            CompletableFuture<SyncHttp.Answer> two = sendPush(first);
            long sent = clock.incrementAndGet();
            boolean ok = handlePush(first, two.join(), sent);
            return handlePush(first, one.join(), sent) && ok;
        }
        long sent = clock.incrementAndGet();
        return handlePush(first, sendPush(first).join(), sent);
    }

    private List<Mutation> batch(long fromId) {
        int size = 1 + random.nextInt(MAX_BATCH);
        List<Mutation> batch = new ArrayList<>();
        for (Mutation m : outbox.tailMap(fromId, true).values()) {
            // the ids of a batch are consecutive: a later batch acknowledged before an earlier one's answer (a
            // reordered pair whose first answer was dropped) leaves a gap in the outbox, which a batch stops at
            if (batch.size() == size
                    || !batch.isEmpty() && m.id() != batch.getLast().id() + 1) {
                break;
            }
            batch.add(m);
        }
        return batch;
    }

    private CompletableFuture<SyncHttp.Answer> sendPush(List<Mutation> batch) {
        ObjectNode body = SyncHttp.JSON.createObjectNode();
        body.put("clientId", clientId);
        ArrayNode mutations = body.putArray("mutations");
        for (Mutation m : batch) {
            ObjectNode node = mutations.addObject();
            node.put("id", m.id());
            node.put("name", m.name());
            node.set("args", m.args());
        }
        tally.inc("requests");
        tally.inc("pushes");
        pushesInFlight.incrementAndGet();
        return http.post("sync/push", token, body).whenComplete((a, e) -> pushesInFlight.decrementAndGet());
    }

    /** Handles a push's answer; {@code sentAt} is the clock when it was sent. Returns whether it went well. */
    private boolean handlePush(List<Mutation> batch, SyncHttp.Answer answer, long sentAt) {
        String context = clientId + " push " + batch.getFirst().id() + ".."
                + batch.getLast().id();
        if (random.nextDouble() < chaos.dropAnswer()) {
            tally.inc("pushAnswersDropped");
            return false; // the request ran; the client never hears of it and sends the same ids again
        }
        switch (answer) {
            case SyncHttp.Failed f -> {
                tally.inc("pushFailed");
                failuresInARow++;
                return false;
            }
            case SyncHttp.Http h
            when h.status() == 200 -> {
                failuresInARow = 0;
                long expectedId = batch.getFirst().id();
                for (JsonNode result : h.body().path("results")) {
                    long id = result.path("id").asLong();
                    if (id != expectedId) {
                        violations.add(
                                context + ": result for id " + id + ", expected " + expectedId + ": " + h.text());
                        return false;
                    }
                    expectedId++;
                    String status = result.path("status").asText();
                    if (status.equals("notAttempted")) {
                        tally.inc("pushNotAttempted");
                        String code = result.path("error").path("code").asText(null);
                        if (code != null && !code.equals("TRANSIENT")) {
                            violations.add(context + ": notAttempted with " + code + ": " + h.text());
                        }
                        return false;
                    }
                    if (result.path("replayed").asBoolean()) {
                        tally.inc("pushReplayed");
                    }
                    JsonNode error = result.path("error");
                    acknowledge(
                            id,
                            new Outcome(
                                    status,
                                    error.path("code").asText(null),
                                    error.path("details").path("reason").asText(null),
                                    clock.incrementAndGet()),
                            context);
                }
                if (expectedId <= batch.getLast().id()) {
                    violations.add(context + ": answered only up to " + (expectedId - 1) + ": " + h.text());
                }
                return true;
            }
            case SyncHttp.Http h
            when h.status() == 409 && "MUTATION_ORDER".equals(h.errorCode()) -> {
                tally.inc("pushMutationOrder");
                long expected =
                        h.body().path("error").path("details").path("expected").asLong();
                long firstId = batch.getFirst().id();
                if (firstId <= expected) {
                    violations.add(context + ": MUTATION_ORDER although " + firstId + " <= expected " + expected);
                }
                for (long id = expected; id < firstId; id++) {
                    Outcome known = outcomes.get(id);
                    if (known != null && known.recordedAt() < sentAt) {
                        violations.add(context + ": LOST: the server expects " + expected + " but acknowledged " + id
                                + " as " + known.status() + " before this push was sent");
                        break;
                    }
                }
                return false;
            }
            case SyncHttp.Http h -> {
                retryableOrViolation(h, context);
                return false;
            }
        }
    }

    /** A 503 TRANSIENT or 429 RATE_LIMITED is counted and retried; any other status is a violation. */
    private void retryableOrViolation(SyncHttp.Http h, String context) {
        failuresInARow++;
        String code = h.errorCode();
        boolean retryable = h.body().path("error").path("retryable").asBoolean();
        if ((h.status() == 503 && "TRANSIENT".equals(code) || h.status() == 429 && "RATE_LIMITED".equals(code))
                && retryable) {
            tally.inc("answered" + h.status() + code);
        } else {
            tally.inc("answeredOther" + h.status());
            violations.add(context + ": answered " + h.status() + " " + h.text());
        }
    }

    private void acknowledge(long id, Outcome outcome, String context) {
        Mutation mutation = issued.get(id);
        Outcome before = outcomes.putIfAbsent(id, outcome);
        if (before != null) {
            if (!before.status().equals(outcome.status()) || !java.util.Objects.equals(before.code(), outcome.code())) {
                violations.add(context + ": mutation " + id + " was " + before.status() + " " + before.code()
                        + " and is now " + outcome.status() + " " + outcome.code());
            }
            return;
        }
        tally.inc(outcome.status().equals("applied") ? "acknowledgedApplied" : "acknowledgedRejected");
        boolean expectedRejection = mutation.rejectable()
                && "MUTATION_REJECTED".equals(outcome.code())
                && "NOT_A_MEMBER".equals(outcome.reason());
        if (outcome.status().equals("applied") == mutation.rejectable()
                || outcome.status().equals("rejected") && !expectedRejection) {
            violations.add(context + ": mutation " + id + " (" + mutation.name() + " " + mutation.args() + ") was "
                    + outcome.status() + " " + outcome.code() + " " + outcome.reason());
        }
        outbox.remove(id);
        long through = acknowledgedThrough.get();
        while (outcomes.containsKey(through + 1)) {
            through++;
        }
        acknowledgedThrough.set(through);
    }

    /** Pulls {@code rule} once (or, with chaos, twice at once, or drops the answer); returns whether it applied. */
    boolean pull(String rule) {
        Replica replica = replicas.get(rule);
        Chaos c = chaos;
        LateAnswer late = lateAnswers.remove(rule);
        if (late != null && random.nextBoolean()) {
            // an answer that arrives after the client gave up on it: applies only if nothing was applied since
            if (replica.apply(late.sentCursor(), late.body(), clientId + " late " + rule)) {
                tally.inc("pullLateApplied");
            }
        }
        String sent = replica.cursor();
        ObjectNode body = SyncHttp.JSON.createObjectNode();
        body.put("syncRule", rule);
        body.put("clientId", clientId);
        body.put("cursor", sent);
        ArrayNode held = body.putArray("held");
        replica.held().forEach(held::add);
        body.put("limit", 1 + random.nextInt(c == Chaos.NONE ? 1000 : 100));
        String context = clientId + " pull " + rule;
        if (random.nextDouble() < c.duplicate() + c.reorder()) {
            tally.inc("pullDuplicated");
            CompletableFuture<SyncHttp.Answer> one = sendPull(body);
            CompletableFuture<SyncHttp.Answer> two = sendPull(body);
            // the second copy's answer first: the other one then finds the cursor moved and is refused
            boolean applied = handlePull(replica, sent, two.join(), context);
            return handlePull(replica, sent, one.join(), context) || applied;
        }
        SyncHttp.Answer answer = sendPull(body).join();
        if (random.nextDouble() < c.dropAnswer()) {
            tally.inc("pullAnswersDropped");
            if (answer instanceof SyncHttp.Http h && h.status() == 200) {
                lateAnswers.put(rule, new LateAnswer(sent, h.body()));
            }
            return false;
        }
        return handlePull(replica, sent, answer, context);
    }

    private CompletableFuture<SyncHttp.Answer> sendPull(ObjectNode body) {
        tally.inc("requests");
        tally.inc("pulls");
        return http.post("sync/pull", token, body);
    }

    private boolean handlePull(Replica replica, String sent, SyncHttp.Answer answer, String context) {
        switch (answer) {
            case SyncHttp.Failed f -> {
                tally.inc("pullFailed");
                failuresInARow++;
                return false;
            }
            case SyncHttp.Http h
            when h.status() == 200 -> {
                failuresInARow = 0;
                return replica.apply(sent, h.body(), context);
            }
            case SyncHttp.Http h -> {
                retryableOrViolation(h, context);
                return false;
            }
        }
    }

    /** Back-off as a real client does after failures: up to half a second, with jitter. */
    private void backOffAfterFailures() {
        if (failuresInARow > 0) {
            long millis = Math.min(500, 5L << Math.min(failuresInARow, 7));
            LockSupport.parkNanos(Duration.ofMillis(millis / 2 + random.nextLong(millis / 2 + 1))
                    .toNanos());
        }
    }

    /** Online, without chaos: pushes until the outbox is empty; false if {@code timeout} passes first. */
    boolean drain(Duration timeout) {
        chaos = Chaos.NONE;
        offlineSteps = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!outbox.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            backOffAfterFailures();
            push();
        }
        return true;
    }

    /** Without chaos: pulls {@code rule} until an applied answer says {@code hasMore: false}; false on timeout. */
    boolean syncToEnd(String rule, Duration timeout) {
        chaos = Chaos.NONE;
        long deadline = System.nanoTime() + timeout.toNanos();
        Replica replica = replicas.get(rule);
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            backOffAfterFailures();
            if (pull(rule) && !replica.hasMore()) {
                return true;
            }
        }
    }
}
