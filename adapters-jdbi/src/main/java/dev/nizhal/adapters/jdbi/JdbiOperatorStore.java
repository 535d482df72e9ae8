package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.InspectSyncState.BucketSummary;
import dev.nizhal.ports.in.InspectSyncState.ChangeSeen;
import dev.nizhal.ports.in.InspectSyncState.ClientQuery;
import dev.nizhal.ports.in.InspectSyncState.ClientSummary;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import dev.nizhal.ports.in.InspectSyncState.PullSeen;
import dev.nizhal.ports.in.InspectSyncState.RulePosition;
import dev.nizhal.ports.in.InspectSyncState.TriggerText;
import dev.nizhal.ports.out.OperatorStore;
import dev.nizhal.ports.out.Tx;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The admin console's reads (each in its own read-only transaction, each on an index) and the replay's links and
 * audit lines (in the replay's transaction).
 */
public final class JdbiOperatorStore implements OperatorStore {
    /** Above this many rows a table's size is the planner's estimate, not a count. */
    static final long EXACT_BELOW = 100_000;

    static final long BEHIND_CAP = InspectSyncState.CHANGES_BEHIND_CAP;
    /** No console read may hold a connection of the engine's pool longer than this. */
    static final int STATEMENT_TIMEOUT_MS = 5_000;

    private final Jdbi jdbi;

    public JdbiOperatorStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** One read-only transaction (one snapshot for every statement of a view), bounded in time. */
    private <T> T read(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            h.execute("set transaction read only");
            h.execute("set local statement_timeout = " + STATEMENT_TIMEOUT_MS);
            return work.withHandle(h);
        });
    }

    @Override
    public Stats stats() {
        return read(h -> new Stats(
                size(h, "nizhal.change_log"),
                oldestChange(h),
                size(h, "nizhal.clients"),
                size(h, "nizhal.mutation_journal"),
                count(h, REJECTED_LAST_DAY),
                count(h, PUSHES_LAST_MINUTE),
                count(h, PULLS_LAST_MINUTE)));
    }

    /** On {@code mutation_journal_rejected}: the entries of one day, not the journal. */
    static final Read REJECTED_LAST_DAY = new Read(
            "select count(*) from nizhal.mutation_journal where status = 'rejected'"
                    + " and created_at > now() - interval '1 day'",
            Map.of());

    static final Read PUSHES_LAST_MINUTE = new Read(
            "select count(*) from nizhal.mutation_journal where created_at > now() - interval '1 minute'", Map.of());

    static final Read PULLS_LAST_MINUTE =
            new Read("select count(*) from nizhal.pull_log where pulled_at > now() - interval '1 minute'", Map.of());

    private static long size(Handle h, String table) {
        long estimate = h.createQuery("select reltuples::int8 from pg_class where oid = cast(:t as regclass)")
                .bind("t", table)
                .mapTo(Long.class)
                .one();
        return estimate >= EXACT_BELOW ? estimate : count(h, "select count(*) from " + table);
    }

    private static long count(Handle h, String sql) {
        return h.createQuery(sql).mapTo(Long.class).one();
    }

    /** After the newest snapshot mark that did not see the oldest retained change (marks are taken every minute). */
    private static Optional<Instant> oldestChange(Handle h) {
        return h.createQuery("select max(m.taken_at) from nizhal.snapshot_marks m, (select txid from nizhal.change_log"
                        + " order by seq limit 1) oldest where not pg_visible_in_snapshot(oldest.txid, m.snap)")
                .map((rs, ctx) -> instant(rs, 1))
                .findOne()
                .flatMap(Optional::ofNullable);
    }

    /** A console read: its SQL with named parameters, and their values (the plan test explains the same reads). */
    record Read(String sql, Map<String, Object> params) {
        Query query(Handle h) {
            return query(h, "");
        }

        Query query(Handle h, String prefix) {
            Query query = h.createQuery(prefix + sql);
            params.forEach(query::bind);
            return query;
        }
    }

    /** A client's rules, its last pull and its oldest drained pull (on {@code client_pulls_pkey}). */
    private static final String PULLS_OF_CLIENT = "select array_agg(rule order by rule) as rules,"
            + " max(pulled_at) as last_pull, min(caught_up_at) as caught_up, bool_or(caught_up_at is null) as never"
            + " from nizhal.client_pulls p where p.client_id = c.client_id";

    private static final String CLIENT_COLUMNS = "c.client_id, c.actor, c.last_mutation_id, p.rules, p.last_pull,"
            + " p.caught_up from nizhal.clients c cross join lateral (" + PULLS_OF_CLIENT + ") p";

    /**
     * The clients with pull records, by lag, paged on {@code client_pulls_caught_up_at}: a client's place is its
     * first pull record in that index's order (a rule never drained sorts first, then the oldest drained pull), so
     * the page walks the index from its start and keeps each client's first record; O(offset + limit). Every look-up
     * per record is a scalar subquery on a primary key: as joins, the planner (which cannot estimate how many
     * records the first-record check keeps) may hash whole tables for any page.
     */
    static Read clientsByLag(int offset, int limit) {
        return new Read(
                "select c.client_id, (select k.actor from nizhal.clients k where k.client_id = c.client_id),"
                        + " (select k.last_mutation_id from nizhal.clients k where k.client_id = c.client_id),"
                        + " p.rules, p.last_pull, p.caught_up"
                        + " from (select f.client_id, f.caught_up_at from nizhal.client_pulls f"
                        + " where f.rule = (select e.rule from nizhal.client_pulls e where e.client_id = f.client_id"
                        + " order by e.caught_up_at nulls first, e.rule limit 1)"
                        + " and f.client_id = (select k.client_id from nizhal.clients k where k.client_id = f.client_id)"
                        + " order by f.caught_up_at nulls first, f.client_id offset :offset limit :limit) c"
                        + " cross join lateral (" + PULLS_OF_CLIENT + ") p"
                        + " order by c.caught_up_at nulls first, c.client_id",
                Map.of("offset", offset, "limit", limit));
    }

    /** How many clients have pull records: asked only for a page past the last of them. */
    static Read clientsWithPulls() {
        return new Read(
                "select count(distinct f.client_id) from nizhal.client_pulls f"
                        + " where exists (select 1 from nizhal.clients k where k.client_id = f.client_id)",
                Map.of());
    }

    /**
     * The clients the console never saw pull (they pushed only), after all others, by id: an anti-join over every
     * client, which only pages past the last client with pull records reach.
     */
    static Read clientsNeverPulled(int offset, int limit) {
        return new Read(
                "select " + CLIENT_COLUMNS + " where not exists (select 1 from nizhal.client_pulls n"
                        + " where n.client_id = c.client_id) order by c.client_id offset :offset limit :limit",
                Map.of("offset", offset, "limit", limit));
    }

    /** One actor's clients (a few, on {@code clients_actor}), in the same order as {@link #clientsByLag}. */
    static Read clientsOfActor(String actor, int offset, int limit) {
        return new Read(
                "select " + CLIENT_COLUMNS + " where c.actor = :actor order by p.rules is null,"
                        + " case when p.never then null else p.caught_up end nulls first, c.client_id"
                        + " offset :offset limit :limit",
                Map.of("actor", actor, "offset", offset, "limit", limit));
    }

    @Override
    public List<ClientSummary> clients(ClientQuery query) {
        return read(h -> {
            List<ClientSummary> page;
            if (query.actor() != null) {
                page = summaries(h, clientsOfActor(query.actor(), query.offset(), query.limit()));
            } else {
                page = new ArrayList<>(summaries(h, clientsByLag(query.offset(), query.limit())));
                if (page.size() < query.limit()) {
                    // past the clients with pull records: the ones never seen pulling follow
                    long pulled = page.isEmpty() ? count(h, clientsWithPulls()) : query.offset() + page.size();
                    int skip = (int) Math.max(0, query.offset() - pulled);
                    page.addAll(summaries(h, clientsNeverPulled(skip, query.limit() - page.size())));
                }
            }
            return page.stream().map(c -> withBehind(h, c)).toList();
        });
    }

    private static List<ClientSummary> summaries(Handle h, Read read) {
        return read.query(h)
                .map((rs, ctx) -> new ClientSummary(
                        rs.getString(1),
                        rs.getString(2),
                        strings(rs.getArray(4)),
                        rs.getLong(3),
                        Optional.ofNullable(instant(rs, 5)),
                        Optional.ofNullable(instant(rs, 6)),
                        0,
                        false))
                .list();
    }

    private static long count(Handle h, Read read) {
        return read.query(h).mapTo(Long.class).one();
    }

    private static ClientSummary withBehind(Handle h, ClientSummary c) {
        long behind = behind(h, c.clientId(), null);
        return new ClientSummary(
                c.clientId(), c.actor(), c.rules(), c.lastMutationId(), c.lastPullAt(), c.caughtUpAt(), behind, false);
    }

    /**
     * Rows changed (keys logged, one log row holds a statement's keys of one bucket) in the buckets a client held at its last drained pull that that pull had not seen, over its rules
     * (or one rule); capped at {@link #BEHIND_CAP}; -1 when it never caught up.
     */
    private static long behind(Handle h, String clientId, String rule) {
        return behindRead(clientId, rule)
                .query(h)
                .mapTo(Long.class)
                .findOne()
                .map(n -> Math.min(n, BEHIND_CAP))
                .orElse(-1L);
    }

    static Read behindRead(String clientId, String rule) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("client", clientId);
        params.put("cap", BEHIND_CAP);
        if (rule != null) {
            params.put("rule", rule);
        }
        return new Read(
                "select case when count(*) = 0 or bool_or(p.caught_up_to is null) then -1 else coalesce(sum(b.n), 0)"
                        + " end from nizhal.client_pulls p left join lateral (select sum(k) as n from (select"
                        + " cardinality(l.pks) as k from nizhal.change_log l where l.bucket = any(p.buckets)"
                        + " and l.txid >= pg_snapshot_xmin(p.caught_up_to)"
                        + " and not pg_visible_in_snapshot(l.txid, p.caught_up_to) limit :cap) capped) b on true"
                        + " where p.client_id = :client" + (rule == null ? "" : " and p.rule = :rule"),
                params);
    }

    @Override
    public Optional<ClientFacts> client(String clientId) {
        return read(h -> h.createQuery("select created_at from nizhal.clients where client_id = :client")
                .bind("client", clientId)
                .map((rs, ctx) -> instant(rs, 1))
                .findOne()
                .map(created -> {
                    List<RulePosition> positions = h
                            .createQuery("select rule, pulled_at, caught_up_at, pulls, buckets"
                                    + " from nizhal.client_pulls where client_id = :client order by rule")
                            .bind("client", clientId)
                            .map((rs, ctx) -> new RulePosition(
                                    rs.getString(1),
                                    instant(rs, 2),
                                    Optional.ofNullable(instant(rs, 3)),
                                    rs.getLong(4),
                                    strings(rs.getArray(5)),
                                    0))
                            .list()
                            .stream()
                            .map(p -> new RulePosition(
                                    p.rule(),
                                    p.lastPullAt(),
                                    p.caughtUpAt(),
                                    p.pulls(),
                                    p.buckets(),
                                    behind(h, clientId, p.rule())))
                            .toList();
                    ClientSummary summary = h.createQuery(
                                    "select client_id, actor, last_mutation_id from nizhal.clients"
                                            + " where client_id = :client")
                            .bind("client", clientId)
                            .map((rs, ctx) -> new ClientSummary(
                                    rs.getString(1),
                                    rs.getString(2),
                                    positions.stream().map(RulePosition::rule).toList(),
                                    rs.getLong(3),
                                    positions.stream()
                                            .map(RulePosition::lastPullAt)
                                            .max(Instant::compareTo),
                                    positions.stream()
                                            .map(p -> p.caughtUpAt().orElse(Instant.MIN))
                                            .min(Instant::compareTo)
                                            .filter(t -> !t.equals(Instant.MIN)),
                                    behind(h, clientId, null),
                                    false))
                            .one();
                    return new ClientFacts(summary, created, positions);
                }));
    }

    private static final String JOURNAL_SELECT = "select " + JournalRows.COLUMNS + ","
            + " (select r.client_id || '/' || r.mutation_id from nizhal.replays r"
            + "   where r.replay_client_id = j.client_id and r.replay_mutation_id = j.mutation_id),"
            + " (select array_agg(r.replay_client_id || '/' || r.replay_mutation_id || ' by ' || r.operator"
            + "   order by r.replayed_at) from nizhal.replays r"
            + "   where r.client_id = j.client_id and r.mutation_id = j.mutation_id)"
            + " from nizhal.mutation_journal j";

    /** The journal's order; {@link JournalQuery#after} is a position in it, so the two change together. */
    private static final String JOURNAL_ORDER = " order by j.created_at desc, j.client_id, j.mutation_id desc";

    /**
     * Only the filters given, so that each combination is a statement of its own whose plan (custom or generic) can
     * use the filter's index; {@code status} is a literal (the query admits only two values), which the partial
     * index of rejected entries needs.
     */
    static Read journalRead(JournalQuery q) {
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new LinkedHashMap<>();
        if (q.clientId() != null) {
            where.add("j.client_id = :client");
            params.put("client", q.clientId());
        }
        if (q.actor() != null) {
            where.add("j.actor = :actor");
            params.put("actor", q.actor());
        }
        if (q.mutator() != null) {
            where.add("j.name = :mutator");
            params.put("mutator", q.mutator());
        }
        if (q.status() != null) {
            where.add(q.status().equals("rejected") ? "j.status = 'rejected'" : "j.status = 'applied'");
        }
        if (q.from() != null) {
            where.add("j.created_at >= :from");
            params.put("from", Timestamp.from(q.from()));
        }
        if (q.after() != null) {
            // after the position in the order below; the range on created_at alone is what an index can walk, the
            // rest filters the few entries that share the position's time (one push's)
            where.add("j.created_at <= :after_at and (j.created_at < :after_at or j.client_id > :after_client"
                    + " or (j.client_id = :after_client and j.mutation_id < :after_id))");
            params.put("after_at", Timestamp.from(q.after().recordedAt()));
            params.put("after_client", q.after().clientId());
            params.put("after_id", q.after().mutationId());
        }
        params.put("limit", q.limit());
        return new Read(
                JOURNAL_SELECT + (where.isEmpty() ? "" : " where " + String.join(" and ", where)) + JOURNAL_ORDER
                        + " limit :limit",
                params);
    }

    static Read journalEntryRead(String clientId, long mutationId) {
        return new Read(
                JOURNAL_SELECT + " where j.client_id = :client and j.mutation_id = :id",
                Map.of("client", clientId, "id", mutationId));
    }

    @Override
    public List<JournalEntry> journal(JournalQuery q) {
        return read(h -> journalRead(q).query(h).map((rs, ctx) -> entry(rs)).list());
    }

    @Override
    public Optional<JournalEntry> journalEntry(String clientId, long mutationId) {
        return read(h -> journalEntryRead(clientId, mutationId)
                .query(h)
                .map((rs, ctx) -> entry(rs))
                .findOne());
    }

    private static JournalEntry entry(ResultSet rs) throws SQLException {
        JournalRows.Row row = JournalRows.row(rs);
        return new JournalEntry(
                row.entry().clientId(),
                row.entry().mutationId(),
                row.entry().name(),
                row.entry().actorId(),
                row.entry().status(),
                row.entry().argsJson(),
                row.entry().resultJson(),
                row.entry().errorJson(),
                row.createdAt(),
                rs.getString(JournalRows.COUNT + 1),
                strings(rs.getArray(JournalRows.COUNT + 2)));
    }

    static Read pullsRead(String clientId, int limit) {
        return new Read(
                "select rule, pulled_at, changes, has_more, reset from nizhal.pull_log"
                        + " where client_id = :client order by pulled_at desc limit :limit",
                Map.of("client", clientId, "limit", limit));
    }

    @Override
    public List<PullSeen> pulls(String clientId, int limit) {
        return read(h -> pullsRead(clientId, limit)
                .query(h)
                .map((rs, ctx) ->
                        new PullSeen(rs.getString(1), instant(rs, 2), rs.getInt(3), rs.getBoolean(4), rs.getBoolean(5)))
                .list());
    }

    /**
     * Per bucket, in one statement: the clients whose last pull held it (on {@code client_pulls_buckets}) and the
     * keys of its logged changes, counted up to {@link #BEHIND_CAP} log rows (on {@code change_log_bucket_txid}).
     */
    static Read bucketSummariesRead(List<String> buckets) {
        return new Read(
                "select b.bucket, (select count(*) from nizhal.client_pulls p where p.buckets @> array[b.bucket]),"
                        + " (select coalesce(sum(k), 0) from (select cardinality(l.pks) as k from nizhal.change_log l"
                        + " where l.bucket = b.bucket limit :cap) c)"
                        + " from unnest(cast(:buckets as text[])) with ordinality as b(bucket, n) order by b.n",
                Map.of("buckets", buckets.toArray(String[]::new), "cap", BEHIND_CAP));
    }

    @Override
    public List<BucketSummary> bucketSummaries(List<String> buckets) {
        if (buckets.isEmpty()) {
            return List.of();
        }
        return read(h -> bucketSummariesRead(buckets)
                .query(h)
                .map((rs, ctx) -> new BucketSummary(rs.getString(1), List.of(), rs.getLong(2), rs.getLong(3)))
                .list());
    }

    static Read changesRead(String bucket, int limit) {
        return new Read(
                "select seq, tbl, pks, txid::text::int8 from nizhal.change_log"
                        + " where bucket = :b order by txid desc, seq desc limit :limit",
                Map.of("b", bucket, "limit", limit));
    }

    @Override
    public List<ChangeSeen> changes(String bucket, int limit) {
        return read(h -> changesRead(bucket, limit)
                .query(h)
                .map((rs, ctx) ->
                        new ChangeSeen(rs.getLong(1), rs.getString(2), strings(rs.getArray(3)), rs.getLong(4)))
                .list());
    }

    /**
     * Every holder is read on {@code client_pulls_buckets} (materialized: the generic plan would rather walk the
     * primary key in order and filter, which reads every record for a bucket few hold), then the first ones by id.
     */
    static Read holdersRead(String bucket, int limit) {
        return new Read(
                "with held as materialized (select client_id from nizhal.client_pulls"
                        + " where buckets @> array[cast(:b as text)])"
                        + " select distinct client_id from held order by client_id limit :limit",
                Map.of("b", bucket, "limit", limit));
    }

    @Override
    public List<String> holders(String bucket, int limit) {
        return read(h -> holdersRead(bucket, limit).query(h).mapTo(String.class).list());
    }

    @Override
    public List<TriggerText> captureTriggers() {
        return read(h -> h.createQuery("select n.nspname || '.' || c.relname, t.tgname,"
                        + " pg_get_triggerdef(t.oid, true) || E';\\n\\n' || pg_get_functiondef(t.tgfoid)"
                        + " from pg_trigger t join pg_class c on c.oid = t.tgrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace"
                        + " where not t.tgisinternal and t.tgname like 'nizhal\\_capture\\_%'"
                        + " order by 1, 2")
                .map((rs, ctx) -> new TriggerText(rs.getString(1), rs.getString(2), rs.getString(3)))
                .list());
    }

    @Override
    public void recordReplay(
            Tx tx,
            String clientId,
            long mutationId,
            String replayClientId,
            long replayMutationId,
            String operator,
            String outcome) {
        Handle h = tx.handle(Handle.class);
        h.createUpdate("insert into nizhal.replays (client_id, mutation_id, replay_client_id, replay_mutation_id,"
                        + " operator) values (:client, :id, :replayClient, :replayId, :operator)")
                .bind("client", clientId)
                .bind("id", mutationId)
                .bind("replayClient", replayClientId)
                .bind("replayId", replayMutationId)
                .bind("operator", operator)
                .execute();
        h.createUpdate("insert into nizhal.admin_audit (operator, action, target, outcome)"
                        + " values (:operator, 'replay', :target, :outcome)")
                .bind("operator", operator)
                .bind("target", clientId + "/" + mutationId + " as " + replayClientId + "/" + replayMutationId)
                .bind("outcome", outcome)
                .execute();
    }

    @Override
    public boolean replayedSuccessfully(Tx tx, String clientId, long mutationId) {
        return tx.handle(Handle.class)
                .createQuery("select exists (select 1 from nizhal.replays r join nizhal.mutation_journal j"
                        + " on j.client_id = r.replay_client_id and j.mutation_id = r.replay_mutation_id"
                        + " where r.client_id = :client and r.mutation_id = :id and j.status = 'applied')")
                .bind("client", clientId)
                .bind("id", mutationId)
                .mapTo(Boolean.class)
                .one();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return new ArrayList<>(Arrays.asList((String[]) array.getArray()));
    }
}
