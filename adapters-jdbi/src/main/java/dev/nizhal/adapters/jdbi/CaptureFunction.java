package dev.nizhal.adapters.jdbi;

import static dev.nizhal.domain.sql.SqlFragment.ident;

import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.GrantCapture;
import dev.nizhal.domain.sql.SqlFragment;
import dev.nizhal.ports.out.ChangeLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The generated SQL of one synced table's change capture: its trigger function (one per synced table, shared by the
 * table's partitions) and the four statement triggers on each relation it covers. Pure: literals are quoted by the
 * {@code quoteLiteral} the caller got from the database.
 *
 * @param table the synced table (a partitioned parent for a partitioned table)
 * @param name the function's name in schema {@code nizhal}
 * @param source the function's body, as {@code pg_proc.prosrc} stores it
 * @param settings the settings pinned on the function, as {@code pg_proc.proconfig} stores them: {@link #SETTINGS},
 *     or only its search path when every column the fragments read is a {@linkplain #of plain column}
 */
record CaptureFunction(TableName table, String name, String source, List<String> settings) {

    /** Every capture function is {@code nizhal.capture_*}: uninstall and regeneration find them by this prefix. */
    static final String FUNCTION_PREFIX = "capture_";

    /** Every capture trigger is {@code nizhal_capture_<event>}; user triggers must not use this prefix. */
    static final String TRIGGER_PREFIX = "nizhal_capture_";

    /** The most keys one change-log row holds; a statement touching more keys of a bucket writes several rows. */
    static final int MAX_KEYS_PER_ROW = 1000;

    /**
     * The settings pinned on every capture function, as {@code pg_proc.proconfig} stores them. The search path keeps
     * a caller's objects out of a {@code SECURITY DEFINER} function (the compiled fragments use only the alias
     * {@code t}, quoted qualified names and {@code pg_catalog}). The others make keys and bucket keys canonical:
     * {@code cast(timestamptz as text)} depends on {@code TimeZone} and {@code DateStyle}, intervals on
     * {@code IntervalStyle}, floats on {@code extra_float_digits}, bytea on {@code bytea_output}; the values are
     * PostgreSQL's defaults, with UTC. Readers that compute row keys must use the same settings.
     *
     * <p>A function whose fragments read only plain columns (see {@link #of}) pins the search path alone: no output
     * setting changes the text of those types or how their constants are read, and each pinned setting is work on
     * every call (PostgreSQL sets and restores it around the function: a fifth of a one-row insert transaction).
     */
    static final List<String> SETTINGS = List.of(
            "search_path=pg_catalog, pg_temp",
            "TimeZone=UTC",
            "DateStyle=ISO, MDY",
            "IntervalStyle=postgres",
            "extra_float_digits=1",
            "bytea_output=hex");

    /** The {@code SET} clause of each of {@link #SETTINGS}, in the same order. */
    private static final List<String> SET_CLAUSES = List.of(
            "set search_path = pg_catalog, pg_temp",
            "set \"TimeZone\" = 'UTC'",
            "set \"DateStyle\" = 'ISO, MDY'",
            "set \"IntervalStyle\" = 'postgres'",
            "set extra_float_digits = 1",
            "set bytea_output = 'hex'");

    private static final int MAX_IDENTIFIER_BYTES = 63;
    private static final String OLD_ROWS = "nizhal_old";
    private static final String NEW_ROWS = "nizhal_new";
    private static final Pattern PLACEHOLDER = Pattern.compile("(?<!:):([a-z][a-z0-9_]*)");
    private static final Pattern ROW_COLUMN = Pattern.compile("(?<![\\w\".$])t\\.(\"(?:[^\"]|\"\")*\")");
    private static final Pattern BARE_ROW = Pattern.compile("(?<![\\w\".$])t(?![\\w\"$])");

    CaptureFunction {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        settings = List.copyOf(settings);
    }

    /** The rows a statement's capture reads: new rows on insert, old rows on delete, both on update. */
    private enum Rows {
        INSERTED(NEW_ROWS),
        UPDATED("(select * from " + OLD_ROWS + " union all select * from " + NEW_ROWS + ")"),
        DELETED(OLD_ROWS);

        private final String sql;

        Rows(String sql) {
            this.sql = sql;
        }
    }

    /** The statement-level AFTER triggers of a capture, in the order they are created. */
    enum Event {
        INSERT(4, "referencing new table as " + NEW_ROWS),
        UPDATE(16, "referencing old table as " + OLD_ROWS + " new table as " + NEW_ROWS),
        DELETE(8, "referencing old table as " + OLD_ROWS),
        TRUNCATE(32, "");

        private final int tgtype;
        private final String referencing;

        Event(int tgtype, String referencing) {
            this.tgtype = tgtype;
            this.referencing = referencing;
        }

        String triggerName() {
            return TRIGGER_PREFIX + name().toLowerCase(Locale.ROOT);
        }

        /** {@code pg_trigger.tgtype} of this AFTER ... FOR EACH STATEMENT trigger (no ROW, BEFORE or INSTEAD bit). */
        int tgtype() {
            return tgtype;
        }

        String oldTable() {
            return this == UPDATE || this == DELETE ? OLD_ROWS : null;
        }

        String newTable() {
            return this == INSERT || this == UPDATE ? NEW_ROWS : null;
        }
    }

    /** The capture of {@code table} with no column known to be plain: every setting pinned, buckets per row. */
    static CaptureFunction of(
            TableName table,
            List<CompiledCollection> collections,
            List<GrantCapture> grantCaptures,
            UnaryOperator<String> quoteLiteral) {
        return of(table, collections, grantCaptures, Set.of(), quoteLiteral);
    }

    /**
     * The capture of {@code table}: keys of the rows of every collection on it, under the row's bucket, and a grant
     * key for every grant capture on it.
     *
     * @param plainColumns the table's columns (quoted, as the fragments read them: {@code "owner_id"}) of type
     *     {@code bool}, {@code int2}, {@code int4}, {@code int8}, {@code uuid}, or {@code text} or {@code varchar}
     *     with a deterministic collation: two values equal by the type's {@code =} are the same value, and the text
     *     of a value and the reading of a constant depend on no setting. Rows are grouped by such columns before a
     *     bucket key is computed (once per group instead of once per row), and a function that reads only such
     *     columns pins only its search path.
     * @param quoteLiteral PostgreSQL's {@code quote_literal}, for the fragments' constants and the table's name
     */
    static CaptureFunction of(
            TableName table,
            List<CompiledCollection> collections,
            List<GrantCapture> grantCaptures,
            Set<String> plainColumns,
            UnaryOperator<String> quoteLiteral) {
        if (collections.isEmpty() && grantCaptures.isEmpty()) {
            throw new IllegalArgumentException("nothing to capture on " + table);
        }
        String tbl = quoteLiteral.apply(table.toString());
        String source = """
                begin
                    -- a change that clients may have pulled must survive a crash, whatever the writer's setting;
                    -- the test is a simple expression, cheaper than the query a perform runs on every statement
                    if current_setting('synchronous_commit') <> 'on' then
                        perform set_config('synchronous_commit', 'on', true);
                    end if;
                    if tg_op = 'INSERT' then
                %s
                    elsif tg_op = 'UPDATE' then
                %s
                    elsif tg_op = 'DELETE' then
                %s
                    elsif tg_op = 'TRUNCATE' then
                        insert into nizhal.change_log (bucket, tbl, pks) values (%s, %s, '{*}');
                    end if;
                    return null;
                end
                """.formatted(
                        log(Rows.INSERTED, tbl, collections, grantCaptures, plainColumns, quoteLiteral),
                        log(Rows.UPDATED, tbl, collections, grantCaptures, plainColumns, quoteLiteral),
                        log(Rows.DELETED, tbl, collections, grantCaptures, plainColumns, quoteLiteral),
                        quoteLiteral.apply(ChangeLog.truncateBucket(table.toString())),
                        tbl);
        List<String> fragments = new ArrayList<>();
        for (CompiledCollection c : collections) {
            fragments.add(inline(c.bucketKey(), quoteLiteral));
            fragments.add(inline(c.rowKey(), quoteLiteral));
            fragments.add(inline(c.rowMatches(), quoteLiteral));
        }
        for (GrantCapture g : grantCaptures) {
            fragments.add(inline(g.grantKey(), quoteLiteral));
            fragments.add(inline(g.rowMatches(), quoteLiteral));
        }
        boolean plain =
                columnsReadIfKnown(fragments).map(plainColumns::containsAll).orElse(false);
        return new CaptureFunction(table, functionName(table), source, plain ? SETTINGS.subList(0, 1) : SETTINGS);
    }

    /**
     * {@code capture_<table>_<hash>}: readable in {@code \df nizhal.*}, unique per table (the hash covers schema and
     * table, which a readable part alone could confuse: {@code a_b.c} and {@code a.b_c}), within PostgreSQL's 63
     * bytes.
     */
    static String functionName(TableName table) {
        String hash = sha256(table.schema() + '\0' + table.table()).substring(0, 8);
        String readable = table.toString();
        int room = MAX_IDENTIFIER_BYTES - FUNCTION_PREFIX.length() - 1 - hash.length();
        while (readable.getBytes(StandardCharsets.UTF_8).length > room) {
            readable = readable.substring(0, readable.offsetByCodePoints(readable.length(), -1));
        }
        return FUNCTION_PREFIX + readable + "_" + hash;
    }

    /** {@code create function}, with a dollar quote that the body does not contain. */
    String createFunction() {
        String tag = "$nizhal$";
        for (int i = 1; source.contains(tag); i++) {
            tag = "$nizhal" + i + "$";
        }
        StringBuilder set = new StringBuilder();
        for (String setting : settings) {
            set.append("    ")
                    .append(SET_CLAUSES.get(SETTINGS.indexOf(setting)))
                    .append('\n');
        }
        return """
                create function nizhal.%s() returns trigger
                    language plpgsql
                    security definer
                %sas %s""".formatted(ident(name), set, tag + source + tag);
    }

    /**
     * Nobody calls a trigger function directly, and creating a trigger with it needs {@code EXECUTE}: without this
     * any role could attach Nizhal's {@code SECURITY DEFINER} function to a table of its own and write change-log
     * rows as the function's owner. Firing an existing trigger does not check {@code EXECUTE}.
     */
    String revokeExecute() {
        return "revoke execute on function nizhal." + ident(name) + "() from public";
    }

    String comment(UnaryOperator<String> quoteLiteral) {
        return "comment on function nizhal." + ident(name) + "() is "
                + quoteLiteral.apply("Nizhal change capture of " + table
                        + ": generated from the sync rules by nizhal migrate, which regenerates it; do not edit");
    }

    /** The trigger of {@code event} on {@code relation} (the synced table or one of its partitions). */
    String createTrigger(Event event, TableName relation) {
        return "create trigger " + ident(event.triggerName()) + " after "
                + event.name().toLowerCase(Locale.ROOT)
                + " on " + qualified(relation) + (event.referencing.isEmpty() ? "" : " " + event.referencing)
                + " for each statement execute function nizhal." + ident(name) + "()";
    }

    /**
     * {@code ENABLE ALWAYS}: fires also under {@code session_replication_role = replica}, which tools set to skip
     * ordinary triggers. {@code ONLY}: on a partitioned table the partitions' triggers are set one by one.
     */
    static String enableAlways(Event event, TableName relation) {
        return "alter table only " + qualified(relation) + " enable always trigger " + ident(event.triggerName());
    }

    static String qualified(TableName table) {
        return ident(table.schema()) + "." + ident(table.table());
    }

    private static String log(
            Rows rows,
            String tbl,
            List<CompiledCollection> collections,
            List<GrantCapture> grantCaptures,
            Set<String> plainColumns,
            UnaryOperator<String> quoteLiteral) {
        StringBuilder out = new StringBuilder();
        if (!collections.isEmpty()) {
            out.append(logKeys(rows, tbl, collections, plainColumns, quoteLiteral));
        }
        if (!grantCaptures.isEmpty()) {
            out.append(logGrants(rows, tbl, grantCaptures, quoteLiteral));
        }
        return out.toString().stripTrailing();
    }

    /**
     * One change-log row per (bucket, up to {@link #MAX_KEYS_PER_ROW} keys), so the log grows with the buckets a
     * statement touches, not with its rows. A row is logged under every bucket it belongs to, before or after the
     * statement; a row of no bucket is not logged. A null key could not be read back by key, so it is left out.
     *
     * <p>Keys are collected per bucket by hashing, not sorting (their order in {@code pks} carries no meaning), and
     * only a bucket with more than {@link #MAX_KEYS_PER_ROW} keys is split, through {@code unnest}, so the cost stays
     * linear in the rows. A null key is filtered out per row (a key is cheap to compute again); a null bucket is
     * dropped in the lateral split, where no filter can be pushed down into a scan (which would compute the bucket
     * key once more per row). A statement of at most one row (an update: at most two on its two sides; a further
     * row is looked for first, and only one) logs the same (bucket, key) pairs by a query without aggregation ({@link
     * #oneRow}).
     */
    private static String logKeys(
            Rows rows,
            String tbl,
            List<CompiledCollection> collections,
            Set<String> plainColumns,
            UnaryOperator<String> quoteLiteral) {
        String buckets = collections.stream()
                .map(c -> buckets(rows, c, plainColumns, quoteLiteral))
                .collect(Collectors.joining("\n                            union all\n                            "));
        String oneRow = collections.stream()
                .map(c -> oneRow(rows, c, quoteLiteral))
                .collect(Collectors.joining("\n                            union all\n                            "));
        return """
                        perform from %s limit 1;
                        if not found then
                            insert into nizhal.change_log (bucket, tbl, pks)
                            select r.bucket, %s, r.pks
                            from (%s) as r
                            where r.bucket is not null;
                        else
                            insert into nizhal.change_log (bucket, tbl, pks)
                            select g.bucket, %s, s.pks
                            from (%s) as g
                            cross join lateral (
                                select g.pks where g.bucket is not null and cardinality(g.pks) <= %d
                                union all
                                select array_agg(u.key) from unnest(g.pks) with ordinality as u(key, n)
                                where g.bucket is not null and cardinality(g.pks) > %d
                                group by (u.n - 1) / %d) as s(pks);
                        end if;
                """.formatted(
                        // a statement of at most one row (an update: at most two rows on its two sides, which may
                        // differ in number: a row moved between partitions whose insert a trigger suppressed)
                        switch (rows) {
                            case INSERTED -> NEW_ROWS + " offset 1";
                            case DELETED -> OLD_ROWS + " offset 1";
                            case UPDATED -> Rows.UPDATED.sql + " as r offset 2";
                        },
                        tbl,
                        oneRow,
                        tbl,
                        buckets,
                        MAX_KEYS_PER_ROW,
                        MAX_KEYS_PER_ROW,
                        MAX_KEYS_PER_ROW);
    }

    /**
     * {@code (bucket, pks)} of a statement of at most one row (the common single-row write): its row's bucket and
     * key, and for an update the old row's too, one change-log row per bucket as the grouped query logs them, but
     * without its aggregation and lateral split for an insert or a delete (they cost a one-row insert transaction
     * about a quarter of its throughput: bench/README.md, "Capture cost"); an update's two rows are grouped by
     * bucket. A null key is left out as there; a null bucket is dropped by the caller.
     */
    private static String oneRow(Rows rows, CompiledCollection c, UnaryOperator<String> quoteLiteral) {
        String bucketKey = inline(c.bucketKey(), quoteLiteral);
        String rowKey = inline(c.rowKey(), quoteLiteral);
        String where = " where " + inline(c.rowMatches(), quoteLiteral) + " and " + rowKey + " is not null";
        return switch (rows) {
            case INSERTED, DELETED ->
                "select " + bucketKey + " as bucket, array[" + rowKey + "] as pks from "
                        + (rows == Rows.INSERTED ? NEW_ROWS : OLD_ROWS) + " as t" + where;
            case UPDATED ->
                "select k.bucket, array_agg(distinct k.key) as pks from (select " + bucketKey + " as bucket, " + rowKey
                        + " as key from " + Rows.UPDATED.sql + " as t" + where + ") as k group by k.bucket";
        };
    }

    /**
     * {@code (bucket, pks)}: the keys of one collection's rows of the statement, per bucket (a null bucket for rows
     * whose bucket key is null, which the caller drops). An insert reads its new rows, a delete its old rows. An
     * update reads its new rows and its old rows. When the bucket key is computed per row (it reads a column that is
     * not plain), only those old rows are read for which no new row has the same key and the same text of every
     * column the collection's fragments read (compared in collation {@code "C"}, byte for byte): such an old row has
     * the bucket, key and match of that new row, so it would only repeat it, and its bucket key is not computed. When
     * the columns cannot be told (a fragment reads the row other than as {@code t."column"}), every old row is read.
     * When rows are grouped by plain columns, every old row is read: grouping it costs no more than that anti-join's
     * hash of the new rows, which skips nothing on an owner move. The two sides are grouped by bucket each, then
     * joined on the bucket: a bucket of one side only takes its keys as they are (an owner move: every key leaves one
     * bucket and enters another); a bucket of both sides takes the new side's keys when the two arrays are equal (an
     * update of a column no rule reads: both sides were read in the statement's row order), else the union of its
     * two key arrays made distinct (a key whose old and new row are in it).
     */
    private static String buckets(
            Rows rows, CompiledCollection c, Set<String> plainColumns, UnaryOperator<String> quoteLiteral) {
        String bucketKey = inline(c.bucketKey(), quoteLiteral);
        String rowKey = inline(c.rowKey(), quoteLiteral);
        String rowMatches = inline(c.rowMatches(), quoteLiteral);
        if (rows != Rows.UPDATED) {
            return grouped(rows.sql, rowMatches, bucketKey, rowKey, plainColumns);
        }
        String oldMatches = rowMatches;
        List<String> columns = columnsRead(List.of(bucketKey, rowKey, rowMatches));
        // grouped by plain columns, the old side costs one aggregation like the new side: cheaper than the anti-join
        // that would skip its unchanged rows (a hash of every new row; on an owner move it skips none)
        if (!columns.isEmpty() && groupColumns(bucketKey, plainColumns).isEmpty()) {
            StringBuilder newColumns = new StringBuilder("select " + rowKey + " as nizhal_key");
            StringBuilder same = new StringBuilder("n.nizhal_key = " + rowKey + " collate pg_catalog.\"C\"");
            for (int i = 0; i < columns.size(); i++) {
                // in collation "C": equal only when identical, whatever the column's collation
                String text = "cast(t." + columns.get(i) + " as pg_catalog.text) collate pg_catalog.\"C\"";
                newColumns.append(", ").append(text).append(" as c").append(i);
                same.append(" and n.c")
                        .append(i)
                        .append(" is not distinct from ")
                        .append(text);
            }
            oldMatches = rowMatches + " and not exists (select from (" + newColumns + " from " + NEW_ROWS
                    + " as t) as n where " + same + ")";
        }
        return "select coalesce(n.bucket, o.bucket) as bucket,"
                + " case when o.pks is null then n.pks when n.pks is null then o.pks when n.pks = o.pks then n.pks"
                + " else array(select distinct u.key from unnest(n.pks || o.pks) as u(key)) end as pks"
                + "\n                        from (" + grouped(NEW_ROWS, rowMatches, bucketKey, rowKey, plainColumns)
                + ") as n"
                + "\n                        full join ("
                + grouped(OLD_ROWS, oldMatches, bucketKey, rowKey, plainColumns)
                + ") as o on o.bucket = n.bucket";
    }

    /**
     * {@code (bucket, pks)} of the rows of {@code relation} that match, keys grouped by bucket. When the bucket key
     * reads only plain columns, the rows are grouped by those columns and the bucket key is computed once per group
     * (PostgreSQL evaluates it after the aggregation): equal plain values are the same value, so every row of a group
     * has the group's bucket key, and two groups may share a bucket key only if the key encodes them alike (then
     * both are logged, as two rows). Each column is grouped by its value and by its text in collation {@code "C"}
     * too, which changes nothing while the column has the plain type it had at install, and keeps rows whose text
     * differs apart when the type was changed since ({@code ALTER COLUMN ... TYPE citext}: {@code 'A' = 'a'}) until
     * {@code nizhal migrate} regenerates the function. Else the bucket key is computed per row and grouped on. No
     * alias of this query is a name a column of the table could shadow: the bucket key reads only {@code t."column"}.
     */
    private static String grouped(
            String relation, String matches, String bucketKey, String rowKey, Set<String> plainColumns) {
        String where = matches + " and " + rowKey + " is not null";
        Optional<List<String>> bucketColumns = groupColumns(bucketKey, plainColumns);
        if (bucketColumns.isPresent()) {
            String groups = bucketColumns.get().stream()
                    .map(col -> "t." + col + ", cast(t." + col + " as pg_catalog.text) collate pg_catalog.\"C\"")
                    .collect(Collectors.joining(", "));
            return "select " + bucketKey + " as bucket, array_agg(" + rowKey + ") as pks from " + relation
                    + " as t where " + where + " group by " + groups;
        }
        return "select k.bucket, array_agg(k.key) as pks from (select " + bucketKey + " as bucket, " + rowKey
                + " as key from " + relation + " as t where " + where + ") as k group by k.bucket";
    }

    /** The columns the bucket key reads, when it reads some and all of them are plain: rows are grouped by them. */
    private static Optional<List<String>> groupColumns(String bucketKey, Set<String> plainColumns) {
        return columnsReadIfKnown(List.of(bucketKey))
                .filter(columns -> !columns.isEmpty() && plainColumns.containsAll(columns));
    }

    /**
     * The quoted columns of alias {@code t} that the fragments read, in order of first use; empty when a fragment
     * reads {@code t} in another way (a whole-row reference), since then no list of columns is known to be complete.
     */
    static List<String> columnsRead(List<String> fragments) {
        return columnsReadIfKnown(fragments).orElse(List.of());
    }

    /**
     * The quoted columns of alias {@code t} that the fragments read, in order of first use (empty when they read no
     * column); nothing when a fragment reads {@code t} in another way, since then no list is known to be complete.
     */
    static Optional<List<String>> columnsReadIfKnown(List<String> fragments) {
        LinkedHashSet<String> columns = new LinkedHashSet<>();
        for (String fragment : fragments) {
            String code = withoutLiterals(fragment);
            if (code == null) {
                return Optional.empty(); // a quote left open: not SQL this reading understands
            }
            Matcher m = ROW_COLUMN.matcher(code);
            while (m.find()) {
                columns.add(m.group(1));
            }
            if (BARE_ROW.matcher(ROW_COLUMN.matcher(code).replaceAll("")).find()) {
                return Optional.empty();
            }
        }
        return Optional.of(List.copyOf(columns));
    }

    /**
     * {@code sql} with each string literal's content removed ({@code 'it''s'} becomes {@code ''}) and quoted
     * identifiers kept whole, read in one pass so that a quote of one kind inside the other ({@code "it's"}, {@code
     * 'say "hi'}) is content, not a delimiter; {@code null} when a literal or identifier is left open.
     */
    static String withoutLiterals(String sql) {
        StringBuilder code = new StringBuilder(sql.length());
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c != '\'' && c != '"') {
                code.append(c);
                i++;
                continue;
            }
            int end = i + 1;
            while (true) {
                end = sql.indexOf(c, end);
                if (end < 0) {
                    return null;
                }
                if (end + 1 < sql.length() && sql.charAt(end + 1) == c) {
                    end += 2; // a doubled quote is part of the content
                    continue;
                }
                break;
            }
            code.append(c == '"' ? sql.substring(i, end + 1) : "''");
            i = end + 1;
        }
        return code.toString();
    }

    /**
     * One change-log row per distinct grant key, without keys: it tells the server to recompute that actor's grants;
     * the grant rows themselves are never sent.
     */
    private static String logGrants(
            Rows rows, String tbl, List<GrantCapture> grantCaptures, UnaryOperator<String> quoteLiteral) {
        String keys = grantCaptures.stream()
                .map(g -> "select " + inline(g.grantKey(), quoteLiteral) + " as bucket from " + rows.sql
                        + " as t where " + inline(g.rowMatches(), quoteLiteral))
                .collect(Collectors.joining("\n                        union all\n                        "));
        return """
                        insert into nizhal.change_log (bucket, tbl, pks)
                        select distinct g.bucket, %s, cast('{}' as text[])
                        from (%s) as g
                        where g.bucket is not null;
                """.formatted(tbl, keys);
    }

    /** The fragment with its constants as literals; a runtime parameter here would be a compiler bug. */
    private static String inline(SqlFragment fragment, UnaryOperator<String> quoteLiteral) {
        // literals hold rule names such as 'grant:sharedLists[', which are not parameters
        String code = withoutLiterals(fragment.sql());
        Matcher m = PLACEHOLDER.matcher(code == null ? fragment.sql() : code);
        while (m.find()) {
            if (!fragment.constants().containsKey(m.group(1))) {
                throw new IllegalStateException("a capture fragment has the runtime parameter :" + m.group(1)
                        + " that a trigger cannot bind: " + fragment.sql());
            }
        }
        return fragment.inline(quoteLiteral);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
