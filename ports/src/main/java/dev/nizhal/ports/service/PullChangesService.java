package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.Cursor;
import dev.nizhal.domain.cursor.CursorCheck;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.cursor.CursorExpectation;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.PullActivity;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Tx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pull of CHANGE-CAPTURE.md: one snapshot transaction that verifies the cursor, computes grants, reads the
 * current window of the change log for the window-set buckets and pages of loading buckets, and answers a new
 * cursor. Writes nothing (P4).
 */
final class PullChangesService implements PullChanges {
    static final int PROTOCOL = 1;
    static final int MAX_LIMIT = 5_000;

    /**
     * About the most bytes of rows a response's initial-load pages hold ({@link RowSource.Row#size()}): a page of wide
     * rows ends there, before its limit of rows, and the load goes on in the next response.
     */
    static final long MAX_LOAD_BYTES = 4L * 1024 * 1024;
    /** Loading buckets carried in one cursor; more wait, queued, for a later window. */
    static final int MAX_LOADING = 16;
    /** In-flight transaction ids kept per snapshot in a cursor (the cursor size rule). */
    static final int MAX_IN_FLIGHT = 200;

    private final NizhalServices.Config config;
    private final CompiledRules compiled;
    private final ActorGrants grants;

    PullChangesService(NizhalServices.Config config, CompiledRules compiled, ActorGrants grants) {
        this.config = config;
        this.compiled = compiled;
        this.grants = grants;
    }

    @Override
    public PullResponse pull(Actor actor, PullRequest request) {
        StorableActor.require(actor);
        CompiledRule rule = compiled.rule(request.syncRule())
                .orElseThrow(() -> new SyncException(
                        SyncErrorCode.UNKNOWN_SYNC_RULE, "there is no sync rule '" + request.syncRule() + "'"));
        if (request.clientId() == null || request.clientId().isBlank()) {
            throw new SyncException(SyncErrorCode.MALFORMED_REQUEST, "clientId is required");
        }
        if (request.limit() < 1) {
            throw new SyncException(SyncErrorCode.MALFORMED_REQUEST, "limit must be at least 1");
        }
        // a pull writes nothing: after a transient failure the client simply pulls again with the same cursor
        Pull[] done = new Pull[1];
        PullResponse answered = ReadTransactions.read(config.storage().transactions(), tx -> {
            done[0] = new Pull(tx, actor, request, rule);
            PullResponse response = done[0].run();
            config.pullObserver().afterPull(tx, actor, request, response);
            return response;
        });
        observe(actor, request, answered, done[0].sHi);
        return answered;
    }

    /** Hands the pull to the operators' observer, after its transaction: nothing it does can fail the pull (P4). */
    private void observe(Actor actor, PullRequest request, PullResponse response, PgSnapshot upTo) {
        try {
            config.pullActivity()
                    .pulled(new PullActivity.PullRecord(
                            request.clientId(),
                            actor.id(),
                            request.syncRule(),
                            response.buckets(),
                            upTo,
                            !response.hasMore(),
                            response.changes().size(),
                            response.reset()));
        } catch (RuntimeException e) {
            // an observer that breaks its contract costs the console a line, never the client its pull
        }
    }

    /** One pull request's work, in its transaction. */
    private final class Pull {
        private final Tx tx;
        private final Actor actor;
        private final PullRequest request;
        private final CompiledRule rule;
        private final ChangeLog changeLog;
        private final RowSource rows;

        // the window state carried by the cursor
        private PgSnapshot sPrev;
        private PgSnapshot sHi;
        private boolean drained;
        private ChangeLog.Position position;
        private final List<Cursor.Loading> loading = new ArrayList<>();
        private long counter;

        private PgSnapshot snapshot;
        private Set<String> served;
        private final Set<String> held = new TreeSet<>();
        private final Set<String> revoked = new TreeSet<>();
        private final Set<String> loaded = new TreeSet<>();
        private final ArrayList<Change> changes = new ArrayList<>();
        private int budget;
        private long bytesLeft = config.maxLoadBytes();
        private boolean truncated;

        Pull(Tx tx, Actor actor, PullRequest request, CompiledRule rule) {
            this.tx = tx;
            this.actor = actor;
            this.request = request;
            this.rule = rule;
            this.changeLog = config.storage().changeLog();
            this.rows = config.storage().rowSource();
            this.budget = Math.min(request.limit(), MAX_LIMIT);
        }

        PullResponse run() {
            ChangeLog.MetaAndSnapshot start = changeLog.metaAndSnapshot(tx);
            ChangeLog.Meta meta = start.meta();
            if (!compiled.planHash().equals(meta.planHash())) {
                throw new SyncException(
                        SyncErrorCode.TRANSIENT,
                        "the server's sync rules are not installed in the database yet; retry after migration");
            }
            config.storage().journal().client(tx, request.clientId()).ifPresent(client -> {
                if (!client.actorId().equals(actor.id())) {
                    throw new SyncException(
                            SyncErrorCode.CLIENT_ACTOR_MISMATCH, "this clientId belongs to another actor");
                }
            });
            PgSnapshot current = start.snapshot(); // the transaction's snapshot, whenever it is read
            snapshot = current.limitInFlight(MAX_IN_FLIGHT);
            boolean reset = restore(meta, current.xmax());
            if (config.pullDefect() == PullDefect.S_HI_PER_PAGE && !reset && !drained) {
                sHi = snapshot;
            }
            if (!reset && request.cursor() != null) {
                held.addAll(request.held());
            }
            Set<String> granted = grants.of(tx, rows, rule, actor);
            Set<String> requested = request.bucketsFilterJson() == null
                    ? granted
                    : rows.requested(tx, rule, request.bucketsFilterJson());
            served = new TreeSet<>(requested);
            served.retainAll(granted);
            for (String bucket : held) {
                if (!served.contains(bucket)) {
                    revoked.add(bucket);
                }
            }
            held.retainAll(served);
            loading.removeIf(l -> {
                boolean dropped =
                        !served.contains(l.bucketKey()) && config.pullDefect() != PullDefect.LOADS_NOT_INTERSECTED;
                if (dropped) {
                    revoked.add(l.bucketKey()); // the client drops its partial rows; the server never scans it
                }
                return dropped;
            });

            boolean startedWindow = false;
            if (drained) {
                startWindow();
                startedWindow = true;
            }
            while (true) {
                boolean exhausted = readWindow();
                if (truncated) {
                    return resetResponse(meta);
                }
                if (!exhausted) {
                    break;
                }
                drained = true;
                position = null;
                if (startedWindow || config.pullDefect() == PullDefect.STALE_HAS_MORE) {
                    break;
                }
                // a request that drains an older window starts the next one itself, so that hasMore: false means
                // "up to date as of this request's snapshot"
                startWindow();
                startedWindow = true;
            }
            readLoads();
            return response(meta, reset);
        }

        /** Restores the window state from the cursor; a null cursor or a reset starts an empty window. */
        private boolean restore(ChangeLog.Meta meta, long currentXmax) {
            if (request.cursor() != null) {
                CursorExpectation expected = CursorExpectation.of(
                                PROTOCOL,
                                meta.identity(),
                                compiled.planHash(),
                                actor.id(),
                                request.clientId(),
                                rule.name())
                        .withCurrentXmax(currentXmax);
                if (meta.retentionMark() != null) {
                    expected = expected.withRetentionMark(meta.retentionMark());
                }
                CursorCheck check = CursorCodec.verify(
                        request.cursor(), expected, config.cursorKeys().current());
                if (check instanceof CursorCheck.Valid(Cursor cursor)) {
                    sPrev = cursor.sPrev();
                    sHi = cursor.sHi();
                    drained = cursor.drained();
                    position = cursor.position() == null
                            ? null
                            : new ChangeLog.Position(
                                    cursor.position().txid(),
                                    cursor.position().seq(),
                                    cursor.position().ordinal());
                    loading.addAll(cursor.loading());
                    counter = cursor.responseCounter();
                    return false;
                }
            }
            sPrev = snapshot;
            sHi = snapshot;
            drained = true;
            position = null;
            loading.clear();
            return request.cursor() != null;
        }

        /**
         * Starts the window (S_hi, this request's snapshot]. Loads that began in the window that just ended now join
         * log selection; queued buckets start loading, beginning in this window.
         */
        private void startWindow() {
            sPrev = sHi;
            sHi = snapshot;
            drained = false;
            position = null;
            loading.replaceAll(l -> new Cursor.Loading(l.bucketKey(), l.tableIndex(), l.lastKey(), false));
            Set<String> loadingBuckets = loadingBuckets();
            for (String bucket : served) {
                if (loading.size() >= MAX_LOADING) {
                    break;
                }
                if (!held.contains(bucket) && !loadingBuckets.contains(bucket)) {
                    loading.add(new Cursor.Loading(bucket, 0, null, true));
                }
            }
        }

        /** Reads the window from the position with the remaining budget; true when the window is exhausted. */
        private boolean readWindow() {
            if (budget == 0) {
                return false;
            }
            Set<String> logBuckets = new TreeSet<>(held);
            for (Cursor.Loading l : loading) {
                boolean joins = !l.beganInCurrentWindow() || config.pullDefect() == PullDefect.LOADS_JOIN_LOG_EARLY;
                if (joins && config.pullDefect() != PullDefect.LOADS_NOT_IN_LOG) {
                    logBuckets.add(l.bucketKey());
                }
            }
            for (CompiledCollection c : rule.collections()) {
                logBuckets.add(ChangeLog.truncateBucket(c.name()));
            }
            int asked = budget;
            List<ChangeLog.Entry> entries = changeLog.window(tx, sPrev, sHi, logBuckets, position, asked);
            int taken = 0;
            Map<String, LinkedHashSet<String>> keysByTable = new LinkedHashMap<>();
            for (ChangeLog.Entry e : entries) {
                if (e.bucket().startsWith("truncate:")) {
                    truncated = true;
                    return true;
                }
                if (rule.collection(e.table()).isEmpty()) {
                    throw notInTheRule(e);
                }
                keysByTable
                        .computeIfAbsent(e.table(), t -> new LinkedHashSet<>())
                        .addAll(e.keys());
                taken += e.keys().size();
                position = new ChangeLog.Position(
                        e.txid(), e.seq(), e.firstOrdinal() + e.keys().size() - 1);
            }
            budget -= taken;
            Set<String> readSet = readSet();
            keysByTable.forEach((table, keys) -> {
                CompiledCollection collection = rule.collection(table).orElseThrow(); // checked as read
                Map<String, RowSource.Row> current = new LinkedHashMap<>();
                for (RowSource.Row row : rows.changedRows(tx, collection, List.copyOf(keys), readSet)) {
                    current.put(row.key(), row);
                }
                for (String key : keys) {
                    RowSource.Row row = current.get(key);
                    changes.add(
                            row == null
                                    ? new Delete(collection.name(), key)
                                    : new Upsert(collection.name(), key, row.values(), List.of(row.bucket())));
                }
            });
            return taken < asked;
        }

        /**
         * A change logged under a bucket of this rule for a table the rule has no collection for. The capture
         * triggers are compiled from the same rules, so this is a bug or a row written by hand, and never a change to
         * skip: skipping it would lose it without a word (P3). The pull fails as {@code INTERNAL} and the operators
         * get an incident that says what the log holds.
         */
        private SyncException notInTheRule(ChangeLog.Entry entry) {
            String correlationId = config.ids().newId();
            IllegalStateException bug = new IllegalStateException("the change log names table '" + entry.table()
                    + "' under bucket '" + entry.bucket() + "' (transaction " + entry.txid() + "), but rule '"
                    + rule.name() + "' has no collection for that table: the capture triggers and the rules disagree");
            config.incidents()
                    .record(
                            correlationId,
                            "pull of rule '" + rule.name() + "' by client '" + request.clientId() + "'",
                            bug);
            return new SyncException(
                    SyncErrorCode.INTERNAL,
                    "the change log holds a change that rule '" + rule.name() + "' cannot serve [correlation id "
                            + correlationId + "]",
                    Map.of(),
                    bug);
        }

        /**
         * Pages of loading buckets with the remaining budget, in cursor order, until the budget of rows or of bytes
         * ({@link #MAX_LOAD_BYTES}) is spent.
         */
        private void readLoads() {
            for (int i = 0; i < loading.size() && budget > 0 && bytesLeft > 0; ) {
                Cursor.Loading l = loading.get(i);
                List<String> buckets = List.of(l.bucketKey()); // one list for the rows of its pages
                int tableIndex = l.tableIndex();
                String after = l.lastKey();
                boolean complete = false;
                while (budget > 0 && bytesLeft > 0) {
                    CompiledCollection collection = rule.collections().get(tableIndex);
                    int asked = budget;
                    RowSource.Page page = rows.page(tx, collection, l.bucketKey(), after, asked, bytesLeft);
                    changes.ensureCapacity(changes.size() + page.rows().size());
                    for (RowSource.Row row : page.rows()) {
                        changes.add(new Upsert(collection.name(), row.key(), row.values(), buckets));
                    }
                    budget -= page.rows().size();
                    bytesLeft -= page.bytes();
                    if (page.rows().size() == asked
                            || (page.cut() && config.pullDefect() != PullDefect.LOAD_CUT_AS_END)) {
                        // a full page, or one that ended at the size bound: the table may hold more after its last row
                        after = page.rows().getLast().key();
                        continue;
                    }
                    tableIndex++;
                    after = null;
                    if (tableIndex == rule.collections().size()) {
                        complete = true;
                        break;
                    }
                }
                if (complete) {
                    loading.remove(i);
                    loaded.add(l.bucketKey());
                    if (config.pullDefect() != PullDefect.LOADED_NOT_HELD) {
                        held.add(l.bucketKey()); // held for the rest of the request
                    }
                } else {
                    loading.set(i, new Cursor.Loading(l.bucketKey(), tableIndex, after, l.beganInCurrentWindow()));
                    i++;
                }
            }
        }

        /** (held ∩ served) ∪ (loading ∩ served): the buckets whose rows the client has or is receiving. */
        private Set<String> readSet() {
            if (config.pullDefect() == PullDefect.SERVED_AS_READ_SET) {
                return served;
            }
            if (config.pullDefect() == PullDefect.READ_SET_WITHOUT_LOADS) {
                return new TreeSet<>(held);
            }
            Set<String> readSet = new TreeSet<>(held);
            readSet.addAll(loadingBuckets());
            return readSet;
        }

        private Set<String> loadingBuckets() {
            Set<String> buckets = new TreeSet<>();
            loading.forEach(l -> buckets.add(l.bucketKey()));
            return buckets;
        }

        private PullResponse response(ChangeLog.Meta meta, boolean reset) {
            Set<String> queued = new TreeSet<>(served);
            queued.removeAll(held);
            queued.removeAll(loadingBuckets());
            boolean hasMore = !drained || !loading.isEmpty() || !queued.isEmpty();
            Long lastMutationId =
                    hasMore ? null : config.storage().journal().lastMutationId(tx, request.clientId(), sHi);
            return new PullResponse(
                    cursor(meta),
                    hasMore,
                    reset,
                    List.copyOf(served),
                    List.copyOf(revoked),
                    List.copyOf(loaded),
                    List.copyOf(loadingBuckets()),
                    changes,
                    lastMutationId);
        }

        /** A truncate marker in the window: the client resyncs from this request's snapshot. */
        private PullResponse resetResponse(ChangeLog.Meta meta) {
            sPrev = snapshot;
            sHi = snapshot;
            drained = true;
            position = null;
            loading.clear();
            return new PullResponse(
                    cursor(meta), true, true, List.copyOf(served), List.of(), List.of(), List.of(), List.of(), null);
        }

        private String cursor(ChangeLog.Meta meta) {
            Cursor.Position cursorPosition =
                    position == null ? null : new Cursor.Position(position.txid(), position.seq(), position.ordinal());
            Cursor cursor = new Cursor(
                    PROTOCOL,
                    meta.identity(),
                    compiled.planHash(),
                    actor.id(),
                    request.clientId(),
                    rule.name(),
                    sPrev,
                    sHi,
                    drained,
                    drained ? null : cursorPosition,
                    loading,
                    counter + 1);
            return CursorCodec.encode(
                    cursor, config.cursorKeys().current(), config.cursorKeys().nonce(CursorCodec.NONCE_BYTES));
        }
    }
}
