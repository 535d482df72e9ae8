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
import java.util.List;
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
                count(
                        h,
                        "select count(*) from nizhal.mutation_journal"
                                + " where status = 'rejected' and created_at > now() - interval '1 day'"),
                count(h, "select count(*) from nizhal.mutation_journal where created_at > now() - interval '1 minute'"),
                count(h, "select count(*) from nizhal.pull_log where pulled_at > now() - interval '1 minute'")));
    }

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

    @Override
    public List<ClientSummary> clients(ClientQuery query) {
        return read(h -> h
                .createQuery("select c.client_id, c.actor, c.last_mutation_id, p.rules, p.last_pull, p.caught_up"
                        + " from nizhal.clients c left join lateral (select array_agg(rule order by rule) as rules,"
                        + " max(pulled_at) as last_pull, min(caught_up_at) as caught_up from nizhal.client_pulls p"
                        + " where p.client_id = c.client_id) p on true"
                        + " where (cast(:actor as text) is null or c.actor = :actor)"
                        + " order by p.caught_up nulls first, c.client_id offset :offset limit :limit")
                .bind("actor", query.actor())
                .bind("offset", query.offset())
                .bind("limit", query.limit())
                .map((rs, ctx) -> new ClientSummary(
                        rs.getString(1),
                        rs.getString(2),
                        strings(rs.getArray(4)),
                        rs.getLong(3),
                        Optional.ofNullable(instant(rs, 5)),
                        Optional.ofNullable(instant(rs, 6)),
                        0,
                        false))
                .list()
                .stream()
                .map(c -> withBehind(h, c))
                .toList());
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
        return h.createQuery(
                        "select case when count(*) = 0 or bool_or(p.caught_up_to is null) then -1 else coalesce(sum(b.n), 0) end"
                                + " from nizhal.client_pulls p left join lateral (select sum(k) as n from (select cardinality(l.pks) as k"
                                + " from nizhal.change_log l where l.bucket = any(p.buckets)"
                                + " and l.txid >= pg_snapshot_xmin(p.caught_up_to)"
                                + " and not pg_visible_in_snapshot(l.txid, p.caught_up_to) limit :cap) capped) b on true"
                                + " where p.client_id = :client and (cast(:rule as text) is null or p.rule = :rule)")
                .bind("client", clientId)
                .bind("rule", rule)
                .bind("cap", BEHIND_CAP)
                .mapTo(Long.class)
                .findOne()
                .map(n -> Math.min(n, BEHIND_CAP))
                .orElse(-1L);
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

    private static final String JOURNAL_SELECT = "select j.client_id, j.mutation_id, j.name, j.actor, j.status,"
            + " j.args::text, j.result::text, j.error::text, j.created_at,"
            + " (select r.client_id || '/' || r.mutation_id from nizhal.replays r"
            + "   where r.replay_client_id = j.client_id and r.replay_mutation_id = j.mutation_id),"
            + " (select array_agg(r.replay_client_id || '/' || r.replay_mutation_id || ' by ' || r.operator"
            + "   order by r.replayed_at) from nizhal.replays r"
            + "   where r.client_id = j.client_id and r.mutation_id = j.mutation_id)"
            + " from nizhal.mutation_journal j";

    @Override
    public List<JournalEntry> journal(JournalQuery q) {
        return read(h -> {
            Query query = h.createQuery(JOURNAL_SELECT
                            + " where (cast(:client as text) is null or j.client_id = :client)"
                            + " and (cast(:actor as text) is null or j.actor = :actor)"
                            + " and (cast(:mutator as text) is null or j.name = :mutator)"
                            + " and (cast(:status as text) is null or j.status = :status)"
                            + " and (cast(:from as timestamptz) is null or j.created_at >= :from)"
                            + " and (cast(:before as timestamptz) is null or j.created_at < :before)"
                            + " order by j.created_at desc, j.client_id, j.mutation_id desc limit :limit")
                    .bind("client", q.clientId())
                    .bind("actor", q.actor())
                    .bind("mutator", q.mutator())
                    .bind("status", q.status())
                    .bind("from", timestamp(q.from()))
                    .bind("before", timestamp(q.before()))
                    .bind("limit", q.limit());
            return query.map((rs, ctx) -> entry(rs)).list();
        });
    }

    @Override
    public Optional<JournalEntry> journalEntry(String clientId, long mutationId) {
        return read(h -> h.createQuery(JOURNAL_SELECT + " where j.client_id = :client and j.mutation_id = :id")
                .bind("client", clientId)
                .bind("id", mutationId)
                .map((rs, ctx) -> entry(rs))
                .findOne());
    }

    private static JournalEntry entry(ResultSet rs) throws SQLException {
        return new JournalEntry(
                rs.getString(1),
                rs.getLong(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                instant(rs, 9),
                rs.getString(10),
                strings(rs.getArray(11)));
    }

    @Override
    public List<PullSeen> pulls(String clientId, int limit) {
        return read(h -> h.createQuery("select rule, pulled_at, changes, has_more, reset from nizhal.pull_log"
                        + " where client_id = :client order by pulled_at desc limit :limit")
                .bind("client", clientId)
                .bind("limit", limit)
                .map((rs, ctx) ->
                        new PullSeen(rs.getString(1), instant(rs, 2), rs.getInt(3), rs.getBoolean(4), rs.getBoolean(5)))
                .list());
    }

    @Override
    public List<BucketSummary> bucketSummaries(List<String> buckets) {
        return read(h -> buckets.stream()
                .map(b -> new BucketSummary(
                        b,
                        List.of(),
                        h.createQuery(
                                        "select count(*) from nizhal.client_pulls where buckets @> array[cast(:b as text)]")
                                .bind("b", b)
                                .mapTo(Long.class)
                                .one(),
                        h.createQuery(
                                        "select coalesce(sum(k), 0) from (select cardinality(pks) as k from nizhal.change_log where bucket = :b limit :cap) c")
                                .bind("b", b)
                                .bind("cap", BEHIND_CAP)
                                .mapTo(Long.class)
                                .one()))
                .toList());
    }

    @Override
    public List<ChangeSeen> changes(String bucket, int limit) {
        return read(h -> h.createQuery("select seq, tbl, pks, txid::text::int8 from nizhal.change_log"
                        + " where bucket = :b order by txid desc, seq desc limit :limit")
                .bind("b", bucket)
                .bind("limit", limit)
                .map((rs, ctx) ->
                        new ChangeSeen(rs.getLong(1), rs.getString(2), strings(rs.getArray(3)), rs.getLong(4)))
                .list());
    }

    @Override
    public List<String> holders(String bucket, int limit) {
        return read(h -> h.createQuery("select distinct client_id from nizhal.client_pulls"
                        + " where buckets @> array[cast(:b as text)] order by client_id limit :limit")
                .bind("b", bucket)
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
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

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return new ArrayList<>(Arrays.asList((String[]) array.getArray()));
    }
}
