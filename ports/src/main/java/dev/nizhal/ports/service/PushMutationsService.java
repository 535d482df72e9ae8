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
 * The push of PROTOCOL.md: each mutation in its own transaction that first locks the client's row (serializing one
 * client's pushes across every instance), answers replays from the journal, runs the mutator body in a savepoint and
 * records the outcome in the same transaction. Transient database errors abort the transaction and are retried a
 * bounded number of times; they are never recorded.
 */
final class PushMutationsService implements PushMutations {
    static final int MAX_BATCH = 100;
    static final long MAX_ID = (1L << 53) - 1;
    static final int ATTEMPTS = 4;
    static final String APPLIED = "applied";
    static final String REJECTED = "rejected";
    /** Replays are journaled under this prefix and the original client's id. */
    static final String REPLAY_PREFIX = "replay:";

    private final NizhalServices.Config config;
    private final CompiledRules compiled;

    PushMutationsService(NizhalServices.Config config, CompiledRules compiled) {
        this.config = config;
        this.compiled = compiled;
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
        List<MutationOutcome> results = new ArrayList<>();
        boolean stopped = false;
        for (MutationRequest m : mutations) {
            if (stopped) {
                results.add(new NotAttempted(m.id(), null));
                continue;
            }
            Optional<MutationOutcome> outcome = attempt(actor, request.clientId(), m);
            if (outcome.isPresent()) {
                results.add(outcome.get());
            } else if (results.isEmpty()) {
                throw new SyncException(
                        SyncErrorCode.TRANSIENT, "the database is unavailable or busy; retry later", Map.of());
            } else {
                results.add(new NotAttempted(m.id(), SyncErrorCode.TRANSIENT));
                stopped = true;
            }
        }
        return new PushResponse(results);
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
        Optional<MutatorDefinition<?>> definition = config.mutators().get(original.name());
        Isolation isolation = definition.map(MutatorDefinition::isolation).orElse(Isolation.READ_COMMITTED);
        Object args = null;
        SyncException invalid = null;
        if (definition.isPresent()) {
            try {
                args = config.argsCodec().decode(definition.get().argsType(), emptyIfNull(original.argsJson()));
            } catch (SyncException e) {
                invalid = e;
            }
        }
        Actor actor = Actor.of(original.actorId());
        String replayClient = REPLAY_PREFIX + clientId;
        Object decoded = args;
        SyncException decodeFailure = invalid;
        RuntimeException last = null;
        MutationOutcome lostBody = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            MutationOutcome recordOnly = lostBody;
            try {
                long[] id = new long[1];
                Committed committed = config.storage().transactions().inWriteTransaction(isolation, tx -> {
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
                    MutationOutcome outcome;
                    if (definition.isEmpty()) {
                        outcome = rejected(
                                m.id(),
                                SyncErrorCode.UNKNOWN_MUTATOR,
                                "there is no mutator '" + m.name() + "'",
                                Map.of());
                    } else if (decodeFailure != null) {
                        outcome = rejected(
                                m.id(),
                                SyncErrorCode.INVALID_ARGS,
                                decodeFailure.getMessage(),
                                decodeFailure.details());
                    } else if (recordOnly != null) {
                        // the lost attempt held the same lock and got the same id; taken from here all the same
                        outcome = recordOnly instanceof Rejected r
                                ? rejected(m.id(), r.code(), r.message(), r.details())
                                : recordOnly;
                    } else {
                        outcome = run(tx, actor, replayClient, m, definition.get(), decoded)
                                .outcome();
                    }
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

    /** One mutation with bounded retries; empty when it failed transiently every time. */
    private Optional<MutationOutcome> attempt(Actor actor, String clientId, MutationRequest m) {
        Optional<MutatorDefinition<?>> definition = config.mutators().get(m.name());
        Isolation isolation = definition.map(MutatorDefinition::isolation).orElse(Isolation.READ_COMMITTED);
        // decoded before the transaction opens: a failure is recorded, and no connection waits on the codec
        Object args = null;
        SyncException invalid = null;
        if (definition.isPresent()) {
            try {
                args = config.argsCodec().decode(definition.get().argsType(), emptyIfNull(m.argsJson()));
            } catch (SyncException e) {
                invalid = e;
            }
        }
        RuntimeException last = null;
        MutationOutcome lostBody = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Object decoded = args;
            SyncException decodeFailure = invalid;
            MutationOutcome recordOnly = lostBody;
            try {
                Committed committed = config.storage()
                        .transactions()
                        .inWriteTransaction(
                                isolation,
                                tx -> inTransaction(
                                        tx, actor, clientId, m, definition, decoded, decodeFailure, recordOnly));
                ChangeLog.Written written = committed.written();
                if (!written.buckets().isEmpty() && config.notifier() != null) {
                    config.notifier().publish(written.txid(), written.buckets());
                }
                return Optional.of(committed.outcome());
            } catch (TransactionLost lost) {
                // nothing of that transaction was kept: the next one records the body's outcome without running it
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
                .record(
                        config.ids().newId(),
                        "mutation " + m.id() + " failed transiently " + ATTEMPTS + " times",
                        last);
        return Optional.empty();
    }

    /** A mutation's outcome and what its transaction logged, once it committed. */
    private record Committed(MutationOutcome outcome, ChangeLog.Written written) {}

    /**
     * The body failed and a resource sharing its transaction marked it rollback-only (a JPA {@code EntityManager} in
     * a JTA transaction): the outcome cannot be recorded in it, so the transaction rolls back and the next one records
     * it. Never leaves this service.
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

    private Committed inTransaction(
            Tx tx,
            Actor actor,
            String clientId,
            MutationRequest m,
            Optional<MutatorDefinition<?>> definition,
            Object args,
            SyncException invalid,
            MutationOutcome recordOnly) {
        MutationJournal journal = config.storage().journal();
        // the lock, the order check's last id and a replay's entry: one round trip for a known client
        MutationJournal.LockedClient locked = journal.lockClient(tx, clientId, actor.id(), m.id());
        MutationJournal.ClientRow client = locked.row();
        if (!client.actorId().equals(actor.id())) {
            throw new SyncException(SyncErrorCode.CLIENT_ACTOR_MISMATCH, "this clientId belongs to another actor");
        }
        long expected = client.lastMutationId() + 1;
        String hash = hash(m);
        if (m.id() < expected) {
            return new Committed(replay(tx, clientId, m, hash, locked.recorded()), ChangeLog.Written.NOTHING);
        }
        if (m.id() > expected) {
            throw new SyncException(
                    SyncErrorCode.MUTATION_ORDER,
                    "mutation " + m.id() + " is ahead of this client's next expected id " + expected,
                    Map.of("expected", expected));
        }
        Committed committed;
        if (Mutators.SKIP.equals(m.name())) {
            committed =
                    nothingWritten(rejected(m.id(), SyncErrorCode.MUTATION_SKIPPED, "skipped by the client", Map.of()));
        } else if (definition.isEmpty()) {
            committed = nothingWritten(rejected(
                    m.id(), SyncErrorCode.UNKNOWN_MUTATOR, "there is no mutator '" + m.name() + "'", Map.of()));
        } else if (invalid != null) {
            committed = nothingWritten(
                    rejected(m.id(), SyncErrorCode.INVALID_ARGS, invalid.getMessage(), invalid.details()));
        } else if (recordOnly != null) {
            committed = nothingWritten(recordOnly);
        } else {
            committed = run(tx, actor, clientId, m, definition.get(), args);
        }
        journal.record(tx, entry(clientId, m, actor, hash, committed.outcome()));
        ChangeLog.Written written = committed.written();
        if (!written.buckets().isEmpty() && config.notifier() != null) {
            config.notifier().committing(written.txid());
        }
        config.pushHooks().beforeCommit(tx, clientId, m.id());
        return committed;
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
            Tx tx, Actor actor, String clientId, MutationRequest m, MutatorDefinition<?> definition, Object args) {
        MutatorContext ctx = new MutatorContext() {
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
        ChangeLog.Written written = config.storage().changeLog().writtenBy(tx);
        return new Committed(new Applied(m.id(), safe.serverId(), affected(tx, actor, safe, written), false), written);
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
        Set<String> granted = new TreeSet<>();
        for (CompiledRules.CompiledRule rule : compiled.rules()) {
            // grants are read only for the rules whose buckets the mutation touched
            if (touched.stream().anyMatch(b -> b.startsWith(rule.name() + "["))) {
                granted.addAll(config.storage().rowSource().grants(tx, rule, actor));
            }
        }
        touched.retainAll(granted);
        return List.copyOf(touched);
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
