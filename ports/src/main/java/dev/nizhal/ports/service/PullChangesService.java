package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.Cursor;
import dev.nizhal.domain.cursor.CursorCheck;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.cursor.CursorExpectation;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.cursor.ReadAhead;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
     * About the most bytes of rows a response holds ({@link RowSource.Row#size()}), its window's changed rows and its
     * initial-load pages together: a response of wide rows ends there, before its limit of changes, and the window or
     * the load goes on in the next response.
     */
    static final long MAX_ROW_BYTES = 4L * 1024 * 1024;
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
        private long bytesLeft = config.maxRowBytes();
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

        /**
         * Reads the window from the position with the remaining budget of changes and of bytes; true when the window
         * is exhausted. The changed rows of a response hold about {@link #MAX_ROW_BYTES}, as its load pages do: when
         * they reach that bound before the window's last key, the response answers the changes the log names before
         * the first key left unread (in every table), and the position stops just before that key, so the next pull
         * goes on from it.
         */
        private boolean readWindow() {
            if (budget == 0 || bytesLeft <= 0) {
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
            // each table's distinct keys in the order the log names them, each with the place (in the window's
            // sequence of keys) where the log first names it
            int taken = 0;
            Map<String, LinkedHashMap<String, Integer>> keysByTable = new LinkedHashMap<>();
            for (ChangeLog.Entry e : entries) {
                if (e.bucket().startsWith("truncate:")) {
                    truncated = true;
                    return true;
                }
                if (rule.collection(e.table()).isEmpty()) {
                    throw notInTheRule(e);
                }
                LinkedHashMap<String, Integer> keys =
                        keysByTable.computeIfAbsent(e.table(), t -> new LinkedHashMap<>());
                for (String key : e.keys()) {
                    keys.putIfAbsent(key, taken++);
                }
            }
            budget -= taken;
            Map<String, Map<String, RowSource.Row>> current = new HashMap<>();
            int end = readChangedRows(keysByTable, taken, current);
            for (Map.Entry<String, LinkedHashMap<String, Integer>> table : keysByTable.entrySet()) {
                CompiledCollection collection = rule.collection(table.getKey()).orElseThrow(); // checked as read
                Map<String, RowSource.Row> byKey = current.getOrDefault(table.getKey(), Map.of());
                for (Map.Entry<String, Integer> key : table.getValue().entrySet()) {
                    if (key.getValue() >= end) {
                        break; // in the order the log names them: the rest come after the end too
                    }
                    RowSource.Row row = byKey.get(key.getKey());
                    changes.add(
                            row == null
                                    ? new Delete(collection.name(), key.getKey())
                                    : new Upsert(collection.name(), key.getKey(), row.values(), List.of(row.bucket())));
                }
            }
            if (end < taken && config.pullDefect() != PullDefect.WINDOW_CUT_AS_END) {
                position = positionOf(entries, end - 1);
                return false;
            }
            if (!entries.isEmpty()) {
                ChangeLog.Entry last = entries.getLast();
                position = new ChangeLog.Position(
                        last.txid(),
                        last.seq(),
                        last.firstOrdinal() + last.keys().size() - 1);
            }
            return taken < asked;
        }

        /** The position of the key at {@code place} in the sequence of the keys {@code entries} name. */
        private static ChangeLog.Position positionOf(List<ChangeLog.Entry> entries, int place) {
            int first = 0;
            for (ChangeLog.Entry e : entries) {
                if (place < first + e.keys().size()) {
                    return new ChangeLog.Position(e.txid(), e.seq(), e.firstOrdinal() + place - first);
                }
                first += e.keys().size();
            }
            throw new IllegalArgumentException("no key at " + place + " of the window's " + first);
        }

        /**
         * Reads the current rows of the window's keys into {@code current} (by table, then key) in the order the log
         * first names them, by runs of keys (a statement per table a run names), until the rows reach the bytes left;
         * returns the place of the first key left out (the window's answer ends before it; the run that reached the
         * bound may have read rows past it), or {@code taken} when none was. A run holds as many keys as {@link
         * ReadAhead} allows after the rows found so far, and of each table as many as it allows after that table's
         * own: keys without a row, and the rows of other tables, tell nothing of how wide a table's next rows are.
         */
        private int readChangedRows(
                Map<String, LinkedHashMap<String, Integer>> keysByTable,
                int taken,
                Map<String, Map<String, RowSource.Row>> current) {
            List<Mention> mentions = new ArrayList<>();
            keysByTable.forEach(
                    (table, keys) -> keys.forEach((key, place) -> mentions.add(new Mention(table, key, place))));
            mentions.sort(Comparator.comparingInt(Mention::place));
            Set<String> readSet = readSet();
            Reads all = new Reads();
            Map<String, Reads> byTable = new HashMap<>();
            long bytes = 0;
            int read = 0;
            while (read < mentions.size()) {
                List<Mention> run = mentions.subList(read, runEnd(mentions, read, all, byTable, bytes));
                Map<String, List<String>> keys = new LinkedHashMap<>();
                for (Mention m : run) {
                    keys.computeIfAbsent(m.table(), t -> new ArrayList<>()).add(m.key());
                }
                long sum = 0;
                for (Map.Entry<String, List<String>> table : keys.entrySet()) {
                    CompiledCollection collection =
                            rule.collection(table.getKey()).orElseThrow();
                    Map<String, RowSource.Row> byKey = current.computeIfAbsent(table.getKey(), t -> new HashMap<>());
                    Reads tableReads = byTable.computeIfAbsent(table.getKey(), t -> new Reads());
                    tableReads.keys += table.getValue().size();
                    all.keys += table.getValue().size();
                    for (RowSource.Row row : rows.changedRows(tx, collection, table.getValue(), readSet)) {
                        long size = row.size();
                        sum += size;
                        tableReads.found(size);
                        all.found(size);
                        byKey.put(row.key(), row);
                    }
                }
                if (bytes + sum < bytesLeft) {
                    bytes += sum;
                    read += run.size();
                    continue;
                }
                // this run reaches the bound: the answer ends after the key whose row reaches it
                for (Mention m : run) {
                    RowSource.Row row = current.get(m.table()).get(m.key());
                    bytes += row == null ? 0 : row.size();
                    read++;
                    if (bytes >= bytesLeft) {
                        break;
                    }
                }
                bytesLeft -= bytes;
                return read < mentions.size() ? mentions.get(read).place() : taken;
            }
            bytesLeft -= bytes;
            return taken;
        }

        /**
         * Where the run that begins at {@code from} ends: after as many keys as {@link ReadAhead} allows after all the
         * rows found so far, and before the first key of a table that would hold more keys of it than it allows after
         * that table's rows found so far, or that would make the run hold more than {@link ReadAhead#UNKNOWN_WIDTH}
         * keys of tables with fewer than {@link ReadAhead#FIRST} rows found (their width unknown: the overall step's fit
         * at the widest row so far says nothing of them). At least the run's first key.
         */
        private int runEnd(List<Mention> mentions, int from, Reads all, Map<String, Reads> byTable, long bytes) {
            long left = mentions.size() - from;
            int end = from + ReadAhead.step(all.keys, all.found, bytes, all.widest, bytesLeft, left);
            // per table of the run: {its keys in the run so far, the most it may hold}
            Map<String, int[]> inRun = new HashMap<>();
            int unknownWidth = 0;
            for (int i = from; i < end; i++) {
                Reads reads = byTable.get(mentions.get(i).table());
                int[] table = inRun.computeIfAbsent(mentions.get(i).table(), t -> new int[] {
                    0,
                    reads == null
                            ? ReadAhead.step(0, 0, bytes, 0, bytesLeft, left)
                            : ReadAhead.step(reads.keys, reads.found, bytes, reads.widest, bytesLeft, left)
                });
                boolean widthUnknown = reads == null || reads.found < ReadAhead.FIRST;
                if (++table[0] > table[1] || (widthUnknown && ++unknownWidth > ReadAhead.UNKNOWN_WIDTH)) {
                    return i;
                }
            }
            return end;
        }

        /** What a window's reads of changed rows found so far, in all or of one table. */
        private static final class Reads {
            int keys;
            int found;
            long widest;

            void found(long size) {
                found++;
                widest = Math.max(widest, size);
            }
        }

        /** A key of {@code table} that the window's log first names at {@code place}. */
        private record Mention(String table, String key, int place) {}

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
         * ({@link #MAX_ROW_BYTES}) is spent.
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
