package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.MutatorContext;
import dev.nizhal.domain.mutator.MutatorDefinition;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.ReplayMutation;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Tx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The push of PROTOCOL.md: a transaction that first locks the client's row (serializing one client's pushes across
 * every instance), answers replays from the journal, runs each mutator body in a savepoint of its own and records its
 * outcome in the same transaction. Consecutive READ COMMITTED mutations of one push share that transaction (one
 * commit for the group; a rejection is recorded with its savepoint rolled back); a mutation of another isolation has
 * one of its own. A group first runs optimistically: its bodies without savepoints, the actor's grants read once and
 * its journal entries written by one statement; should a body fail (or change grants), that transaction rolls back
 * and the group runs again with a savepoint per body, so the outcomes are those of that mode. Transient database errors abort the transaction; a mutation alone is retried a bounded number of
 * times, a group once as a whole and then one mutation at a time (so the ones before a failing one still apply).
 * They are never recorded.
 */
final class PushMutationsService implements PushMutations {
    static final int MAX_BATCH = 100;
    static final long MAX_ID = (1L << 53) - 1;
    static final int ATTEMPTS = 4;
    /**
     * The most mutations that share a transaction. Each body's savepoint that writes is a subtransaction with an xid of
     * its own, kept until the commit; PostgreSQL caches 64 of them per transaction (PGPROC_MAX_CACHED_SUBXIDS), and
     * beyond that every other session's snapshots overflow to pg_subtrans, which slows the whole database.
     */
    static final int MAX_GROUP = 32;

    static final String APPLIED = "applied";
    static final String REJECTED = "rejected";
    /** Replays are journaled under this prefix and the original client's id. */
    static final String REPLAY_PREFIX = "replay:";

    private final NizhalServices.Config config;
    private final CompiledRules compiled;
    private final ActorGrants grants;

    PushMutationsService(NizhalServices.Config config, CompiledRules compiled, ActorGrants grants) {
        this.config = config;
        this.compiled = compiled;
        this.grants = grants;
    }

    /** The recorded result of an applied mutation, as the journal keeps it. */
    record RecordedResult(Object serverId, List<String> affectedBuckets) {}

    /** The recorded error of a rejected mutation, as the journal keeps it. */
    record RecordedError(String code, String message, Map<String, Object> details) {}

    @Override
    public PushResponse push(Actor actor, PushRequest request) {
        StorableActor.require(actor);
        validate(request);
        // every mutation's args are checked before any is run: a malformed request leaves no journal entry
        List<MutationRequest> mutations = request.mutations().stream()
                .map(m -> new MutationRequest(
                        m.id(),
                        m.name(),
                        m.argsJson() == null ? null : config.argsCodec().canonicalJson(m.argsJson())))
                .toList();
        List<Prepared> prepared =
                mutations.stream().map(m -> prepare(m.name(), m.argsJson())).toList();
        List<MutationOutcome> results = new ArrayList<>();
        // after a group failed transiently, its mutations go one at a time: those before a failing one still apply
        int singlesUntil = 0;
        // after a body of an optimistic group failed, the group runs again with a savepoint per body
        int savepointsUntil = config.storage().transactions().bodiesWithoutSavepoints() ? 0 : mutations.size();
        for (int from = 0, to; from < mutations.size(); from = to) {
            boolean single = from < singlesUntil;
            boolean optimistic = from >= savepointsUntil;
            to = single ? from + 1 : groupEnd(prepared, from, optimistic ? MAX_BATCH : MAX_GROUP);
            int attempts = to - from > 1 ? 1 : ATTEMPTS;
            Tried tried = attempt(
                    actor,
                    request.clientId(),
                    mutations.subList(from, to),
                    prepared.subList(from, to),
                    attempts,
                    optimistic);
            if (tried.bodyFailed()) {
                savepointsUntil = Math.max(savepointsUntil, to);
                to = from;
                continue;
            }
            if (tried.outcomes() != null) {
                results.addAll(tried.outcomes());
                continue;
            }
            if (to - from > 1) {
                singlesUntil = to;
                to = from;
                continue;
            }
            config.incidents()
                    .record(
                            config.ids().newId(),
                            "mutation " + mutations.get(from).id() + " failed transiently " + ATTEMPTS + " times",
                            tried.failure());
            if (results.isEmpty()) {
                throw new SyncException(
                        SyncErrorCode.TRANSIENT, "the database is unavailable or busy; retry later", Map.of());
            }
            results.add(new NotAttempted(mutations.get(from).id(), SyncErrorCode.TRANSIENT));
            mutations.subList(from + 1, mutations.size()).forEach(m -> results.add(new NotAttempted(m.id(), null)));
            break;
        }
        return new PushResponse(results);
    }

    /**
     * Where the group of mutations starting at {@code from} ends: consecutive READ COMMITTED mutations share one
     * transaction, {@code max} at the most ({@link #MAX_GROUP} when each body has a savepoint of its own); a mutation
     * of another isolation runs alone, so that a serialization failure retries it only.
     */
    private static int groupEnd(List<Prepared> prepared, int from, int max) {
        int to = from + 1;
        if (prepared.get(from).isolation() == Isolation.READ_COMMITTED) {
            while (to < prepared.size()
                    && to - from < max
                    && prepared.get(to).isolation() == Isolation.READ_COMMITTED) {
                to++;
            }
        }
        return to;
    }

    /** {@link dev.nizhal.ports.in.ReplayMutation}: a rejected mutation run again, as a new linked journal entry. */
    ReplayMutation.Replayed replay(String operator, String clientId, long mutationId) {
        if (operator == null || operator.isBlank()) {
            throw malformed("a replay names its operator");
        }
        if (clientId.startsWith(REPLAY_PREFIX)) {
            // replaying a replay would let one mutation apply twice (once per level): always replay the original
            throw malformed("entry " + clientId + "/" + mutationId + " is itself a replay: replay the original entry "
                    + clientId.substring(REPLAY_PREFIX.length()) + "/... it links to");
        }
        MutationJournal journal = config.storage().journal();
        MutationJournal.Entry original = ReadTransactions.read(
                        config.storage().transactions(), tx -> journal.find(tx, clientId, mutationId))
                .orElseThrow(() -> malformed("there is no journal entry " + clientId + "/" + mutationId));
        if (Mutators.SKIP.equals(original.name())) {
            throw malformed("entry " + clientId + "/" + mutationId + " is a skip: there is nothing to replay");
        }
        if (!REJECTED.equals(original.status())) {
            throw malformed(
                    "entry " + clientId + "/" + mutationId + " was applied: only a rejected mutation is replayed");
        }
        Prepared prepared = prepare(original.name(), original.argsJson());
        Actor actor = Actor.of(original.actorId());
        String replayClient = REPLAY_PREFIX + clientId;
        RuntimeException last = null;
        MutationOutcome lostBody = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            // the lost attempt held the same lock and got the same id: its body's outcome is recorded, not run again
            MutationOutcome recordOnly = lostBody;
            try {
                long[] id = new long[1];
                Committed committed = config.storage().transactions().inWriteTransaction(prepared.isolation(), tx -> {
                    MutationJournal.ClientRow row = journal.lockClient(tx, replayClient, actor.id());
                    if (!row.actorId().equals(actor.id())) {
                        throw new IllegalStateException(
                                "the replay client " + replayClient + " belongs to another actor");
                    }
                    if (config.operatorStore().replayedSuccessfully(tx, clientId, mutationId)) {
                        throw malformed("entry " + clientId + "/" + mutationId + " was already replayed successfully");
                    }
                    id[0] = row.lastMutationId() + 1;
                    MutationRequest m = new MutationRequest(id[0], original.name(), original.argsJson());
                    MutationOutcome outcome = runOrReject(tx, actor, replayClient, m, prepared, new Log(), recordOnly)
                            .outcome();
                    journal.record(tx, entry(replayClient, m, actor, hash(m), outcome));
                    config.operatorStore()
                            .recordReplay(tx, clientId, mutationId, replayClient, m.id(), operator, describe(outcome));
                    ChangeLog.Written written = config.storage().changeLog().writtenBy(tx);
                    if (!written.buckets().isEmpty() && config.notifier() != null) {
                        config.notifier().committing(written.txid());
                    }
                    return new Committed(outcome, written);
                });
                ChangeLog.Written written = committed.written();
                if (!written.buckets().isEmpty() && config.notifier() != null) {
                    config.notifier().publish(written.txid(), written.buckets());
                }
                return new ReplayMutation.Replayed(replayClient, id[0], committed.outcome());
            } catch (TransactionLost lost) {
                lostBody = lost.outcome();
                last = lost;
            } catch (RuntimeException e) {
                if (!config.storage().transactions().isTransient(e)) {
                    throw e;
                }
                last = e;
            }
        }
        config.incidents()
                .record(config.ids().newId(), "the replay of " + clientId + "/" + mutationId + " failed", last);
        throw new SyncException(SyncErrorCode.TRANSIENT, "the database is unavailable or busy; retry later", Map.of());
    }

    private static String describe(MutationOutcome outcome) {
        return switch (outcome) {
            case Applied a -> APPLIED;
            case Rejected r -> REJECTED + " " + r.code() + ": " + r.message();
            case NotAttempted n -> "not attempted";
        };
    }

    private static void validate(PushRequest request) {
        if (request.clientId() == null || request.clientId().isBlank()) {
            throw malformed("clientId is required");
        }
        if (request.clientId().startsWith(REPLAY_PREFIX)) {
            throw malformed("client ids starting with '" + REPLAY_PREFIX + "' are the server's own (replays)");
        }
        List<MutationRequest> mutations = request.mutations();
        if (mutations.isEmpty()) {
            throw malformed("a push holds at least one mutation");
        }
        if (mutations.size() > MAX_BATCH) {
            throw malformed("a push holds at most " + MAX_BATCH + " mutations");
        }
        for (int i = 0; i < mutations.size(); i++) {
            MutationRequest m = mutations.get(i);
            if (m.id() < 1 || m.id() > MAX_ID) {
                throw malformed("mutation ids are between 1 and 2^53-1");
            }
            if (m.name() == null || m.name().isEmpty()) {
                throw malformed("every mutation has a name");
            }
            if (i > 0 && m.id() != mutations.get(i - 1).id() + 1) {
                throw malformed("the ids of a batch are consecutive");
            }
        }
    }

    private static SyncException malformed(String message) {
        return new SyncException(SyncErrorCode.MALFORMED_REQUEST, message);
    }

    /**
     * A group's outcomes; or null and the last transient failure when every attempt failed so; or, for an optimistic
     * group, that a body failed (nothing of the group was kept: it runs again with a savepoint per body).
     */
    private record Tried(List<MutationOutcome> outcomes, RuntimeException failure, boolean bodyFailed) {
        Tried(List<MutationOutcome> outcomes, RuntimeException failure) {
            this(outcomes, failure, false);
        }
    }

    /**
     * A group of consecutive mutations in one transaction, attempted at most {@code attempts} times; {@code
     * optimistic}: its bodies without savepoints (see {@link BodyFailed}).
     */
    private Tried attempt(
            Actor actor,
            String clientId,
            List<MutationRequest> group,
            List<Prepared> prepared,
            int attempts,
            boolean optimistic) {
        Isolation isolation = prepared.getFirst().isolation();
        RuntimeException last = null;
        // a SERIALIZABLE push locks a registered client only, and registers a new one in a transaction of its own
        // (MutationJournal.lockRegisteredClient); should the client vanish again, it falls back to the usual lock
        boolean registeredOnly = isolation == Isolation.SERIALIZABLE;
        boolean registeredHere = false;
        boolean register = false;
        MutationOutcome lostBody = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            boolean lookupOnly = registeredOnly;
            MutationOutcome recordOnly = lostBody;
            try {
                if (register) {
                    // in the try: a transient failure here is one more attempt, as any other
                    config.storage().transactions().inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
                        config.storage().journal().register(tx, clientId, actor.id());
                        return null;
                    });
                    register = false;
                    registeredHere = true;
                }
                GroupCommitted committed = config.storage()
                        .transactions()
                        .inWriteTransaction(
                                isolation,
                                tx -> inTransaction(
                                        tx, actor, clientId, group, prepared, lookupOnly, recordOnly, optimistic));
                ChangeLog.Written written = committed.written();
                if (!written.buckets().isEmpty() && config.notifier() != null) {
                    config.notifier().publish(written.txid(), written.buckets());
                }
                return new Tried(committed.outcomes(), null);
            } catch (BodyFailed failed) {
                return new Tried(null, null, true);
            } catch (TransactionLost lost) {
                if (group.size() > 1) {
                    // the group's other mutations went with it: they run one at a time, this one records only
                    return new Tried(null, lost);
                }
                // nothing of that transaction was kept: the next one records the body's outcome without running it
                lostBody = lost.outcome();
                last = lost;
            } catch (UnregisteredClient e) {
                // registered in a transaction of its own on the next pass; should it vanish again, the usual lock
                if (registeredHere) {
                    registeredOnly = false;
                } else {
                    register = true;
                }
                attempt--;
            } catch (RuntimeException e) {
                if (!config.storage().transactions().isTransient(e)) {
                    throw e;
                }
                last = e;
            }
        }
        return new Tried(null, last);
    }

    /**
     * A mutation's mutator and its decoded args, or why it cannot run (no such mutator, invalid args): decoded before
     * its transaction opens, so that a failure is recorded and no connection waits on the codec.
     */
    private record Prepared(Optional<MutatorDefinition<?>> definition, Object args, SyncException invalid) {
        /** Whether its body runs (a known mutator, valid args). */
        boolean runnable() {
            return definition.isPresent() && invalid == null;
        }

        Isolation isolation() {
            return definition.map(MutatorDefinition::isolation).orElse(Isolation.READ_COMMITTED);
        }
    }

    private Prepared prepare(String name, String argsJson) {
        Optional<MutatorDefinition<?>> definition = config.mutators().get(name);
        if (definition.isEmpty()) {
            return new Prepared(definition, null, null);
        }
        try {
            return new Prepared(
                    definition, config.argsCodec().decode(definition.get().argsType(), emptyIfNull(argsJson)), null);
        } catch (SyncException e) {
            return new Prepared(definition, null, e);
        }
    }

    /**
     * Runs a prepared mutation, or records why it cannot run (its transaction then logged nothing): also the outcome
     * of its body in a transaction that was lost after it ran ({@code recordOnly}, else null; see {@link
     * TransactionLost}).
     */
    private Committed runOrReject(
            Tx tx,
            Actor actor,
            String clientId,
            MutationRequest m,
            Prepared prepared,
            Log log,
            MutationOutcome recordOnly) {
        if (prepared.definition().isEmpty()) {
            return nothingWritten(rejected(
                    m.id(), SyncErrorCode.UNKNOWN_MUTATOR, "there is no mutator '" + m.name() + "'", Map.of()));
        }
        if (prepared.invalid() != null) {
            return nothingWritten(rejected(
                    m.id(),
                    SyncErrorCode.INVALID_ARGS,
                    prepared.invalid().getMessage(),
                    prepared.invalid().details()));
        }
        if (recordOnly instanceof Rejected r) {
            return nothingWritten(rejected(m.id(), r.code(), r.message(), r.details()));
        }
        return run(tx, actor, clientId, m, prepared.definition().get(), prepared.args(), log);
    }

    /**
     * A SERIALIZABLE push's client is not registered yet: its transaction rolls back, and it is registered first. A
     * signal inside this service, never answered (the code is what the client would see if it ever were).
     */
    private static final class UnregisteredClient extends SyncException {
        UnregisteredClient() {
            super(SyncErrorCode.TRANSIENT, "the client is not registered yet");
        }
    }

    /**
     * The body failed and a resource sharing its transaction marked it rollback-only (a JPA {@code EntityManager} in
     * a JTA transaction): the outcome cannot be recorded in it, so the transaction rolls back and the next one records
     * it (a group's other mutations then run one at a time). Never leaves this service.
     */
    private static final class TransactionLost extends SyncException {
        private static final long serialVersionUID = 1L;

        private final transient MutationOutcome outcome;

        TransactionLost(MutationOutcome outcome) {
            super(SyncErrorCode.TRANSIENT, "the mutation's transaction was marked rollback-only");
            this.outcome = outcome;
        }

        MutationOutcome outcome() {
            return outcome;
        }
    }

    /**
     * A body of an optimistic group failed (a rejection, an error, a deferred constraint), or a statement after it
     * did, or a body changed grants (which {@link #affected} reads once per optimistic group): the group's
     * transaction rolls back, nothing of it was kept, and the group runs again with a savepoint per body, the mode
     * whose outcomes are the reference. Never leaves this service.
     */
    private static final class BodyFailed extends SyncException {
        private static final long serialVersionUID = 1L;

        BodyFailed() {
            super(SyncErrorCode.TRANSIENT, "a body of an optimistic push group failed");
        }
    }

    /** A mutation's outcome and what it logged. */
    private record Committed(MutationOutcome outcome, ChangeLog.Written written) {}

    /** A group's outcomes, in order, and what its transaction logged in all, once it committed. */
    private record GroupCommitted(List<MutationOutcome> outcomes, ChangeLog.Written written) {}

    /**
     * Where a transaction's change log was read up to, so that each of several mutations sharing it reads what its own
     * savepoint logged.
     */
    private static final class Log {
        private long position;

        ChangeLog.Written since(ChangeLog changeLog, Tx tx) {
            ChangeLog.Logged logged = changeLog.loggedSince(tx, position);
            position = logged.position();
            return logged.written();
        }
    }

    /**
     * One group in its transaction: the client locked, replays answered, each fresh mutation run (or rejected without
     * running), and the group's journal entries recorded in one go. {@code optimistic}: the bodies run without
     * savepoints, and the actor's grants are read once for the group; any failure of a body throws {@link
     * BodyFailed}, and the group runs again with a savepoint per body (so the outcomes are the same either way).
     */
    private GroupCommitted inTransaction(
            Tx tx,
            Actor actor,
            String clientId,
            List<MutationRequest> group,
            List<Prepared> prepared,
            boolean lookupOnly,
            MutationOutcome recordOnly,
            boolean optimistic) {
        MutationJournal journal = config.storage().journal();
        MutationRequest first = group.getFirst();
        // the lock, the order check's last id and a replay's entry: one round trip for a known client
        MutationJournal.LockedClient locked = lookupOnly
                ? journal.lockRegisteredClient(tx, clientId, first.id()).orElseThrow(UnregisteredClient::new)
                : journal.lockClient(tx, clientId, actor.id(), first.id());
        MutationJournal.ClientRow client = locked.row();
        if (!client.actorId().equals(actor.id())) {
            throw new SyncException(SyncErrorCode.CLIENT_ACTOR_MISMATCH, "this clientId belongs to another actor");
        }
        long expected = client.lastMutationId() + 1;
        if (first.id() > expected) {
            throw new SyncException(
                    SyncErrorCode.MUTATION_ORDER,
                    "mutation " + first.id() + " is ahead of this client's next expected id " + expected,
                    Map.of("expected", expected));
        }
        MutationOutcome[] outcomes = new MutationOutcome[group.size()];
        List<Integer> fresh = new ArrayList<>(group.size());
        // an optimistic group's applied bodies: their affected buckets wait for the group's one read of the grants
        Map<Integer, Ran> ran = new LinkedHashMap<>();
        Set<String> buckets = new TreeSet<>();
        long txid = 0;
        Log log = new Log();
        for (int i = 0; i < group.size(); i++) {
            // the ids are consecutive and the first is at most the expected one: replays first, then fresh ones
            MutationRequest m = group.get(i);
            if (m.id() < expected) {
                outcomes[i] = replay(tx, clientId, m, hash(m), i == 0 ? locked.recorded() : Optional.empty());
                continue;
            }
            ChangeLog.Written written;
            if (Mutators.SKIP.equals(m.name())) {
                outcomes[i] = rejected(m.id(), SyncErrorCode.MUTATION_SKIPPED, "skipped by the client", Map.of());
                written = ChangeLog.Written.NOTHING;
            } else if (optimistic && prepared.get(i).runnable()) {
                Ran body = runWithoutSavepoint(tx, actor, clientId, m, prepared.get(i), log);
                ran.put(i, body);
                written = body.written();
            } else {
                Committed committed = runOrReject(
                        tx, actor, clientId, m, prepared.get(i), log, group.size() == 1 ? recordOnly : null);
                outcomes[i] = committed.outcome();
                written = committed.written();
            }
            expected = m.id() + 1;
            fresh.add(i);
            if (!written.buckets().isEmpty()) {
                buckets.addAll(written.buckets());
                txid = written.txid();
            }
        }
        if (!ran.isEmpty()) {
            Set<String> touched = new TreeSet<>();
            ran.values().forEach(body -> touched.addAll(body.touched()));
            Set<String> granted = granted(tx, actor, touched);
            ran.forEach((i, body) -> {
                Set<String> affected = new TreeSet<>(body.touched());
                affected.retainAll(granted);
                outcomes[i] = new Applied(group.get(i).id(), body.serverId(), List.copyOf(affected), false);
            });
        }
        List<MutationJournal.Entry> entries = new ArrayList<>(fresh.size());
        for (int i : fresh) {
            MutationRequest m = group.get(i);
            entries.add(entry(clientId, m, actor, hash(m), outcomes[i]));
        }
        // one statement for the group's entries and the client's last id
        journal.recordAll(tx, entries);
        ChangeLog.Written written =
                buckets.isEmpty() ? ChangeLog.Written.NOTHING : new ChangeLog.Written(txid, buckets);
        if (!written.buckets().isEmpty() && config.notifier() != null) {
            config.notifier().committing(written.txid());
        }
        fresh.forEach(
                i -> config.pushHooks().beforeCommit(tx, clientId, group.get(i).id()));
        return new GroupCommitted(List.of(outcomes), written);
    }

    /** An applied body of an optimistic group: its server id, the buckets it touched, what it logged. */
    private record Ran(Object serverId, Set<String> touched, ChangeLog.Written written) {}

    /**
     * The change log's bucket keys under which the capture logs a change of a table that grants read (CHANGE-CAPTURE.md:
     * {@code grant:<rule>[<actor key>]}).
     */
    private static final String GRANT_KEY_PREFIX = "grant:";

    /**
     * Runs a body of an optimistic group, without a savepoint: what it touched, or {@link BodyFailed} when it (or its
     * deferred constraints, or the read of what it logged) failed, or when it changed grants (the group reads the
     * grants once, after every body; a body in a savepoint group reads them after itself). Transient failures pass
     * through, as in a savepoint.
     */
    @SuppressWarnings("unchecked")
    private Ran runWithoutSavepoint(
            Tx tx, Actor actor, String clientId, MutationRequest m, Prepared prepared, Log log) {
        MutatorContext ctx = context(tx, actor, clientId, m);
        MutationResult result;
        ChangeLog.Written written;
        try {
            result = tx.inBody(
                    () -> ((MutatorDefinition<Object>) prepared.definition().get())
                            .body()
                            .apply(ctx, prepared.args()));
            // also where a body that swallowed a failed statement of its own fails: its transaction is aborted
            written = log.since(config.storage().changeLog(), tx);
        } catch (RuntimeException e) {
            if (config.storage().transactions().isTransient(e)) {
                throw e;
            }
            throw new BodyFailed();
        }
        if (written.buckets().stream().anyMatch(b -> b.startsWith(GRANT_KEY_PREFIX))) {
            throw new BodyFailed();
        }
        MutationResult safe = result == null ? MutationResult.empty() : result;
        Set<String> touched = new TreeSet<>(written.buckets());
        touched.addAll(safe.affectedBuckets());
        return new Ran(safe.serverId(), touched, written);
    }

    /**
     * A rejection's outcome: its body's writes were rolled back with its savepoint, or it had none, and nothing else
     * in a push's transaction is captured (the journal's tables are not synced), so it logged nothing.
     */
    private static Committed nothingWritten(MutationOutcome outcome) {
        return new Committed(outcome, ChangeLog.Written.NOTHING);
    }

    /**
     * Runs the mutator body in a savepoint: its outcome, and what the transaction logged once the body is done (read
     * once, for the affected buckets and the notifier; the journal's writes after it are not captured).
     */
    @SuppressWarnings("unchecked")
    private Committed run(
            Tx tx,
            Actor actor,
            String clientId,
            MutationRequest m,
            MutatorDefinition<?> definition,
            Object args,
            Log log) {
        MutatorContext ctx = context(tx, actor, clientId, m);
        MutationResult result;
        try {
            result = tx.inSavepoint(
                    () -> ((MutatorDefinition<Object>) definition).body().apply(ctx, args));
        } catch (MutationRejected rejected) {
            return unlessLost(
                    tx, rejected(m.id(), SyncErrorCode.MUTATION_REJECTED, rejected.getMessage(), rejected.details()));
        } catch (RuntimeException e) {
            if (config.storage().transactions().isTransient(e)) {
                throw e; // aborts the whole transaction: retried, never recorded
            }
            String correlationId = config.ids().newId();
            config.incidents().record(correlationId, "mutator '" + m.name() + "' failed", e);
            return unlessLost(
                    tx,
                    rejected(
                            m.id(),
                            SyncErrorCode.MUTATOR_FAILED,
                            "the mutation failed on the server",
                            Map.of("correlationId", correlationId)));
        }
        // outside the try: the savepoint is released, so a failure from here on is not the body's, and it must abort
        // the whole transaction (the body's writes with it) instead of being recorded as a rejection over them
        MutationResult safe = result == null ? MutationResult.empty() : result;
        ChangeLog.Written written = log.since(config.storage().changeLog(), tx);
        return new Committed(new Applied(m.id(), safe.serverId(), affected(tx, actor, safe, written), false), written);
    }

    /** What a mutator body sees of its push. */
    private MutatorContext context(Tx tx, Actor actor, String clientId, MutationRequest m) {
        return new MutatorContext() {
            @Override
            public <T> T tx(Class<T> type) {
                return tx.handle(type);
            }

            @Override
            public Actor actor() {
                return actor;
            }

            @Override
            public String newId() {
                return config.ids().newId();
            }

            @Override
            public String clientId() {
                return clientId;
            }

            @Override
            public long mutationId() {
                return m.id();
            }
        };
    }

    /** A failed body's outcome, to record in this transaction unless it can no longer commit. */
    private static Committed unlessLost(Tx tx, MutationOutcome outcome) {
        if (tx.rollbackOnly()) {
            throw new TransactionLost(outcome);
        }
        return nothingWritten(outcome);
    }

    /** The buckets the mutation touched (logged by the capture triggers, or named by the mutator) the actor holds. */
    private List<String> affected(Tx tx, Actor actor, MutationResult result, ChangeLog.Written written) {
        Set<String> touched = new TreeSet<>(written.buckets());
        touched.addAll(result.affectedBuckets());
        touched.retainAll(granted(tx, actor, touched));
        return List.copyOf(touched);
    }

    /** The buckets granted to the actor of the rules whose buckets are among {@code touched} (read for those only). */
    private Set<String> granted(Tx tx, Actor actor, Set<String> touched) {
        Set<String> granted = new TreeSet<>();
        for (CompiledRules.CompiledRule rule : compiled.rules()) {
            if (touched.stream().anyMatch(b -> b.startsWith(rule.name() + "["))) {
                granted.addAll(grants.of(tx, config.storage().rowSource(), rule, actor));
            }
        }
        return granted;
    }

    private MutationOutcome replay(
            Tx tx, String clientId, MutationRequest m, String hash, Optional<MutationJournal.Entry> recorded) {
        // read with the lock unless a push of the same id committed while this one waited for it
        MutationJournal.Entry entry = recorded.or(
                        () -> config.storage().journal().find(tx, clientId, m.id()))
                .orElseThrow(() -> new IllegalStateException(
                        "mutation " + m.id() + " of client " + clientId + " is below the last id but not recorded"));
        if (!entry.argsHash().equals(hash) && !Mutators.SKIP.equals(entry.name())) {
            throw new SyncException(
                    SyncErrorCode.MUTATION_CONFLICT,
                    "mutation " + m.id() + " was recorded with another name or other args",
                    Map.of("id", m.id()));
        }
        if (APPLIED.equals(entry.status())) {
            RecordedResult result = config.argsCodec().decode(RecordedResult.class, entry.resultJson());
            return new Applied(
                    m.id(),
                    result.serverId(),
                    result.affectedBuckets() == null ? List.of() : result.affectedBuckets(),
                    true);
        }
        RecordedError error = config.argsCodec().decode(RecordedError.class, entry.errorJson());
        return new Rejected(
                m.id(),
                SyncErrorCode.valueOf(error.code()),
                error.message(),
                error.details() == null ? Map.of() : error.details(),
                true);
    }

    private MutationJournal.Entry entry(
            String clientId, MutationRequest m, Actor actor, String hash, MutationOutcome outcome) {
        return switch (outcome) {
            case Applied a -> {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("serverId", a.serverId());
                result.put("affectedBuckets", a.affectedBuckets());
                yield new MutationJournal.Entry(
                        clientId,
                        m.id(),
                        m.name(),
                        actor.id(),
                        m.argsJson(),
                        hash,
                        APPLIED,
                        config.argsCodec().encode(result),
                        null);
            }
            case Rejected r -> {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("code", r.code().name());
                error.put("message", r.message());
                error.put("details", r.details());
                yield new MutationJournal.Entry(
                        clientId,
                        m.id(),
                        m.name(),
                        actor.id(),
                        m.argsJson(),
                        hash,
                        REJECTED,
                        null,
                        config.argsCodec().encode(error));
            }
            case NotAttempted n -> throw new IllegalStateException("a not-attempted mutation is never recorded");
        };
    }

    private static MutationOutcome rejected(long id, SyncErrorCode code, String message, Map<String, Object> details) {
        return new Rejected(id, code, message, details, false);
    }

    private static String emptyIfNull(String json) {
        return json == null ? "{}" : json;
    }

    /** The journal's hash of what a mutation asks: its name and its args as sent. */
    static String hash(MutationRequest m) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(m.name().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
            digest.update((m.argsJson() == null ? "null" : m.argsJson()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
