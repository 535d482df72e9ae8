package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.Tx;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * {@link ChangeLog} over {@code nizhal.change_log} and {@code nizhal.meta} on PostgreSQL 13+, in the caller's
 * transaction. Transaction ids ({@code xid8}) travel as text both ways and snapshots in their {@code pg_snapshot}
 * text form, so no driver type mapping is involved.
 */
public final class JdbiChangeLog implements ChangeLog {

    /**
     * The window of CHANGE-CAPTURE.md "The snapshot cursor", read per bucket: for each bucket, a lateral read of its
     * first {@code :limit_entries} entries in two disjoint branches (a UNION ALL rather than the OR of the design),
     * transactions that began at or after {@code xmax(S_prev)} and those in flight at {@code S_prev} (all below its
     * {@code xmax}: a lookup of the listed txids); then the buckets' reads merged in {@code (txid, seq)} order and the
     * page cut to {@code :limit_keys} keys in SQL, so that a page of large bulk entries does not ship keys it drops.
     *
     * <p>Why per bucket: a read of every bucket at once, ordered by {@code (txid, seq)} with a limit, lets the
     * planner walk {@code change_log_txid} over the window and filter by bucket. It takes that plan when the
     * statistics say the window is small, which they do right after a busy stretch: {@code txid} grows, and a range
     * above the last {@code ANALYZE}'s histogram is estimated at a fraction of a percent of the log. A client
     * returning after a million entries of other buckets then read all of them for a page of its own
     * (JdbiChangeLogBusyWindowIT). Here each bucket's first branch is bounded by {@code (bucket, txid[, seq])} row
     * comparisons only: {@code change_log_bucket_txid} takes them as the start and the end of its scan, and no plain
     * condition on {@code txid} is left for a walk of {@code change_log_txid}, which would have to start at the log's
     * oldest entry. They imply {@code bucket = b.bucket}, deliberately not written: with an equality on the bucket, a
     * btree scan starts at the bucket's oldest entry and tests the row comparison on each one (a bucket's whole
     * history read on every pull); and a plain {@code txid >=} for the start would let the planner walk {@code
     * change_log_txid} again when it guesses few buckets.
     *
     * <p>On PostgreSQL before 18, a btree scan ends at a row comparison's first column only: a bucket with fewer
     * entries left in the window than the page is read on through its entries written after {@code S_hi} (the
     * window's snapshot). For a client that is up to date those are the writes since its request began; a client
     * paging through an old window pays for its bucket's writes since then, never for other buckets'.
     *
     * <p>The values come in through one materialized row ({@code p}), so that no plan sees them as constants: the
     * plans PostgreSQL makes with the values (its first five executions of a prepared statement) then have the same
     * estimates as the generic plan, and it settles on the generic one instead of planning the query on every pull
     * (JdbiChangeLogPlanIT). Otherwise the bucket count and the limit, known to a custom plan and guessed by the
     * generic one, made every custom plan look cheaper. The limit, unknown to the planner, is taken as a tenth of
     * the bucket's estimated entries, so a read in index order that stops at the limit is preferred to a bitmap of
     * the bucket's whole window.
     *
     * <p>{@code :from_txid}/{@code :from_seq} is the later of {@code (xmax(S_prev), 0)} and the paging position,
     * computed by the caller. Every entry holds at least one key (empty ones are skipped), except the one at the
     * paging position, which may have none left; so {@code :limit_keys + 1} entries always hold enough keys for a
     * full page.
     */
    static final String WINDOW_SQL = """
            with p as materialized (
                select cast(:s_prev as pg_snapshot) as s_prev, cast(:s_hi as pg_snapshot) as s_hi,
                       cast(:buckets as text[]) as buckets,
                       cast(:from_txid as xid8) as from_txid, cast(:from_seq as bigint) as from_seq,
                       cast(:after_txid as xid8) as after_txid, cast(:after_seq as bigint) as after_seq,
                       cast(:after_ordinal as int) as after_ordinal,
                       cast(:limit_keys as int) as limit_keys, cast(:limit_entries as bigint) as limit_entries
            )
            select cast(w.txid as text) as txid, w.seq, w.bucket, w.tbl, w.first_ordinal,
                   w.pks[w.first_ordinal + 1 : cast(w.first_ordinal + least(w.remaining, w.limit_keys - w.keys_before) as int)]
                       as keys
            from (
                select q.*,
                       coalesce(sum(q.remaining) over (order by q.txid, q.seq
                                                       rows between unbounded preceding and 1 preceding), 0)
                           as keys_before
                from (
                    select e.txid, e.seq, e.bucket, e.tbl, e.pks, o.first_ordinal, p.limit_keys,
                           greatest(cardinality(e.pks) - o.first_ordinal, 0) as remaining
                    from p
                    cross join lateral unnest(p.buckets) as b(bucket)
                    cross join lateral (
                        (select c.txid, c.seq, c.bucket, c.tbl, c.pks
                         from nizhal.change_log as c
                         where (c.bucket, c.txid, c.seq) >= (b.bucket, p.from_txid, p.from_seq)
                           and (c.bucket, c.txid) < (b.bucket, pg_snapshot_xmax(p.s_hi))
                           and pg_visible_in_snapshot(c.txid, p.s_hi)
                           and cardinality(c.pks) > 0
                         order by c.bucket, c.txid, c.seq
                         limit p.limit_entries)
                        union all
                        (select c.txid, c.seq, c.bucket, c.tbl, c.pks
                         from nizhal.change_log as c
                         where c.bucket = b.bucket
                           and c.txid = any(array(select pg_snapshot_xip(p.s_prev)))
                           and c.txid < pg_snapshot_xmax(p.s_hi)
                           and pg_visible_in_snapshot(c.txid, p.s_hi)
                           and (c.txid, c.seq) >= (p.after_txid, p.after_seq)
                           and cardinality(c.pks) > 0
                         order by c.txid, c.seq
                         limit p.limit_entries)
                    ) as e
                    cross join lateral (
                        select case when (e.txid, e.seq) = (p.after_txid, p.after_seq)
                                    then p.after_ordinal + 1 else 0 end as first_ordinal
                    ) as o
                    order by e.txid, e.seq
                    limit (select p.limit_entries from p)
                ) as q
            ) as w
            where w.remaining > 0 and w.keys_before < w.limit_keys
            order by w.txid, w.seq
            """;

    /** Creates the change log reader; it holds no state, every call works in the transaction it is given. */
    public JdbiChangeLog() {}

    @Override
    public PgSnapshot currentSnapshot(Tx tx) {
        String text = handle(tx)
                .createQuery("select cast(pg_current_snapshot() as text)")
                .mapTo(String.class)
                .one();
        return PgSnapshot.parse(text);
    }

    @Override
    public List<Entry> window(
            Tx tx, PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, Position after, int limitKeys) {
        Objects.requireNonNull(sPrev, "sPrev");
        Objects.requireNonNull(sHi, "sHi");
        Objects.requireNonNull(buckets, "buckets");
        if (limitKeys < 1) {
            throw new IllegalArgumentException("a window page holds at least one key, limitKeys was " + limitKeys);
        }
        if (buckets.isEmpty()) {
            return List.of();
        }
        return windowRows(
                handle(tx),
                "",
                windowValues(sPrev, sHi, buckets, after, limitKeys),
                rs -> new Entry(
                        Long.parseLong(rs.getString("txid")),
                        rs.getLong("seq"),
                        rs.getString("bucket"),
                        rs.getString("tbl"),
                        rs.getInt("first_ordinal"),
                        List.of((String[]) rs.getArray("keys").getArray())));
    }

    /** Makes a value of a result's current row. */
    @FunctionalInterface
    interface ResultRow<T> {
        T of(ResultSet rs) throws SQLException;
    }

    /**
     * {@link #WINDOW_SQL} after {@code prefix} ({@code explain} in the tests that check its plan), its parameters bound
     * by position to {@code values} ({@link #windowValues}), each row of its result made by {@code row}. Through JDBC
     * rather than JDBI: JDBI's binding of the ten named values (an argument factory looked up per value, the array's
     * generic type built each time) took longer than the statement's round trip, on every pull.
     */
    static <T> List<T> windowRows(Handle handle, String prefix, Map<String, Object> values, ResultRow<T> row) {
        if (values.size() != WINDOW_PARAMETERS.size()) {
            throw new IllegalArgumentException("the window takes " + WINDOW_PARAMETERS + ", got " + values.keySet());
        }
        try (PreparedStatement statement = handle.getConnection().prepareStatement(prefix + WINDOW_POSITIONAL)) {
            for (int i = 0; i < WINDOW_PARAMETERS.size(); i++) {
                String name = WINDOW_PARAMETERS.get(i);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("no value for the window's parameter " + name);
                }
                bind(statement, i + 1, values.get(name));
            }
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.add(row.of(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            // the cause keeps its SQLSTATE: a transient failure stays transient for the caller
            throw new IllegalStateException("the change log's window could not be read", e);
        }
    }

    /** A window parameter's value by its Java type, as JDBI bound it before (the SQL casts each one). */
    private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        switch (value) {
            case String text -> statement.setString(index, text);
            case Long number -> statement.setLong(index, number);
            case Integer number -> statement.setInt(index, number);
            case List<?> list ->
                statement.setArray(index, statement.getConnection().createArrayOf("varchar", list.toArray()));
            default -> throw new IllegalArgumentException("a window parameter of type " + value.getClass());
        }
    }

    /** The names of {@link #WINDOW_SQL}'s parameters, in the order they appear. */
    private static final List<String> WINDOW_PARAMETERS;

    /** {@link #WINDOW_SQL} with a {@code ?} for each parameter. */
    private static final String WINDOW_POSITIONAL;

    static {
        Matcher parameter = Pattern.compile("(?<![:\\w]):([a-z_]+)").matcher(WINDOW_SQL);
        List<String> names = new ArrayList<>();
        StringBuilder positional = new StringBuilder();
        while (parameter.find()) {
            names.add(parameter.group(1));
            parameter.appendReplacement(positional, "?");
        }
        parameter.appendTail(positional);
        WINDOW_PARAMETERS = List.copyOf(names);
        WINDOW_POSITIONAL = positional.toString();
    }

    /**
     * The values of {@link #WINDOW_SQL}'s parameters by name, as {@link #windowRows} binds them: the buckets as a
     * list of strings (an array), the others as strings and numbers. The plan tests bind the same values as text.
     */
    static Map<String, Object> windowValues(
            PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, Position after, int limitKeys) {
        // xid8 0 is the invalid transaction id, below every real one, and seq starts at 1: "from the start"
        long afterTxid = after == null ? 0 : after.txid();
        long afterSeq = after == null ? 0 : after.seq();
        int afterOrdinal = after == null ? -1 : after.ordinal();
        // the first branch starts at the later of the window's start and the position
        boolean fromPosition = afterTxid >= sPrev.xmax();
        long fromTxid = fromPosition ? afterTxid : sPrev.xmax();
        long fromSeq = fromPosition ? afterSeq : 0;
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("s_prev", sPrev.text());
        values.put("s_hi", sHi.text());
        values.put("buckets", List.copyOf(buckets));
        values.put("after_txid", Long.toString(afterTxid));
        values.put("after_seq", afterSeq);
        values.put("after_ordinal", afterOrdinal);
        values.put("from_txid", Long.toString(fromTxid));
        values.put("from_seq", fromSeq);
        values.put("limit_keys", limitKeys);
        values.put("limit_entries", (long) limitKeys + 1);
        return values;
    }

    @Override
    public Logged loggedSince(Tx tx, long after) {
        // pg_current_xact_id_if_assigned: a transaction that wrote nothing has no id, and then logged nothing; the
        // entries of one transaction are found on change_log_txid, and its later ones by their rising seq. One scan,
        // the distinct buckets and the last seq taken here: a mutation of a push group reads this after its body
        List<LoggedEntry> entries = handle(tx)
                .createQuery("select cast(c.txid as text), c.seq, c.bucket from nizhal.change_log as c"
                        + " where c.txid = pg_current_xact_id_if_assigned() and c.seq > :after")
                .bind("after", after)
                .map((rs, ctx) -> new LoggedEntry(rs.getString(1), rs.getLong(2), rs.getString(3)))
                .list();
        if (entries.isEmpty()) {
            return new Logged(Written.NOTHING, after);
        }
        long position = after;
        Set<String> buckets = new HashSet<>();
        for (LoggedEntry entry : entries) {
            position = Math.max(position, entry.seq());
            buckets.add(entry.bucket());
        }
        return new Logged(new Written(Long.parseLong(entries.getFirst().txid()), buckets), position);
    }

    /** One entry of the transaction's own change log. */
    private record LoggedEntry(String txid, long seq, String bucket) {}

    /**
     * The realtime poller's read: the window's two branches as in {@link #WINDOW_SQL}, for every bucket, as distinct
     * (txid, bucket) pairs.
     */
    static final String COMMITTED_SQL = """
            select distinct cast(w.txid as text) as txid, w.bucket
            from (
                (select c.txid, c.bucket
                 from nizhal.change_log as c
                 where c.txid >= pg_snapshot_xmax(cast(:s_prev as pg_snapshot))
                   and c.txid < pg_snapshot_xmax(cast(:s_hi as pg_snapshot))
                   and pg_visible_in_snapshot(c.txid, cast(:s_hi as pg_snapshot)))
                union all
                (select c.txid, c.bucket
                 from nizhal.change_log as c
                 where c.txid = any(array(select pg_snapshot_xip(cast(:s_prev as pg_snapshot))))
                   and c.txid < pg_snapshot_xmax(cast(:s_hi as pg_snapshot))
                   and pg_visible_in_snapshot(c.txid, cast(:s_hi as pg_snapshot)))
            ) as w
            limit :limit
            """;

    /** How long the poller's read may take before the driver cancels it. */
    static final int COMMITTED_TIMEOUT_SECONDS = 10;

    @Override
    public List<Commit> committed(Tx tx, PgSnapshot sPrev, PgSnapshot sHi, int limit) {
        Objects.requireNonNull(sPrev, "sPrev");
        Objects.requireNonNull(sHi, "sHi");
        return handle(tx)
                .createQuery(COMMITTED_SQL)
                // the poller asks again soon: a read stuck on a sick database is cancelled rather than waited for
                .setQueryTimeout(COMMITTED_TIMEOUT_SECONDS)
                .bind("s_prev", sPrev.text())
                .bind("s_hi", sHi.text())
                .bind("limit", limit)
                .map((rs, ctx) -> new Commit(Long.parseLong(rs.getString("txid")), rs.getString("bucket")))
                .list();
    }

    /**
     * Whether {@code nizhal.meta} was found once: from then on a read of it does not ask first (a round trip of every
     * pull). Should the schema be dropped under a running server, the read fails as {@code TRANSIENT} "not installed",
     * as a read before the first migrate answers, and the next one asks again.
     */
    private volatile boolean installed;

    @Override
    public Meta meta(Tx tx) {
        Handle handle = handle(tx);
        if (!installed && !installed(handle)) {
            return new Meta(null, null, null);
        }
        return readMeta(handle, "", (rs, meta) -> meta);
    }

    /** The meta and the snapshot in one statement, once the schema was found. */
    @Override
    public MetaAndSnapshot metaAndSnapshot(Tx tx) {
        Handle handle = handle(tx);
        if (!installed && !installed(handle)) {
            return new MetaAndSnapshot(new Meta(null, null, null), currentSnapshot(tx));
        }
        return readMeta(
                handle,
                ", cast(pg_current_snapshot() as text) as snapshot",
                (rs, meta) -> new MetaAndSnapshot(meta, PgSnapshot.parse(rs.getString("snapshot"))));
    }

    /** Whether {@code nizhal.meta} exists; remembered once it was found (a pull asks no more). */
    private boolean installed(Handle handle) {
        // before the first migrate there is no schema: that is "nothing installed", not an error
        installed = handle.createQuery("select to_regclass('nizhal.meta') is not null")
                .mapTo(Boolean.class)
                .one();
        return installed;
    }

    /** What a row of {@code nizhal.meta} (and {@code more} columns) gives, as {@code result} makes it. */
    @FunctionalInterface
    private interface MetaResult<T> {
        T of(java.sql.ResultSet rs, Meta meta) throws SQLException;
    }

    private <T> T readMeta(Handle handle, String more, MetaResult<T> result) {
        try {
            return handle.createQuery("select identity, plan_hash, cast(retention_mark as text) as retention_mark"
                            + more + " from nizhal.meta")
                    .map((rs, ctx) -> {
                        String mark = rs.getString("retention_mark");
                        return result.of(
                                rs,
                                new Meta(
                                        rs.getString("identity"),
                                        rs.getString("plan_hash"),
                                        mark == null ? null : PgSnapshot.parse(mark)));
                    })
                    .one();
        } catch (RuntimeException e) {
            installed = false; // perhaps dropped: the next read asks again
            if (missing(e)) {
                // as before the first migrate: transient, and the caller's transaction (now aborted) ends here
                throw new SyncException(
                        SyncErrorCode.TRANSIENT,
                        "the server's sync rules are not installed in the database yet; retry after migration",
                        Map.of(),
                        e);
            }
            throw e;
        }
    }

    /** SQLSTATE 42P01 (undefined table) or 3F000 (invalid schema name) in the cause chain. */
    private static boolean missing(Throwable failure) {
        for (Throwable next = failure; next != null; next = next.getCause() == next ? null : next.getCause()) {
            if (next instanceof SQLException sql
                    && ("42P01".equals(sql.getSQLState()) || "3F000".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static Handle handle(Tx tx) {
        return tx.handle(Handle.class);
    }
}
