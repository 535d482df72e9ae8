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
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
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
 */
record CaptureFunction(TableName table, String name, String source) {

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
     */
    static final List<String> SETTINGS = List.of(
            "search_path=pg_catalog, pg_temp",
            "TimeZone=UTC",
            "DateStyle=ISO, MDY",
            "IntervalStyle=postgres",
            "extra_float_digits=1",
            "bytea_output=hex");

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
    }

    /** The rows a statement's capture reads: new rows on insert, old rows on delete, both on update. */
    private enum Rows {
        INSERTED(NEW_ROWS, false),
        UPDATED("(select * from " + OLD_ROWS + " union all select * from " + NEW_ROWS + ")", true),
        DELETED(OLD_ROWS, false);

        private final String sql;
        private final boolean repeatsKeys;

        Rows(String sql, boolean repeatsKeys) {
            this.sql = sql;
            this.repeatsKeys = repeatsKeys;
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

    /**
     * The capture of {@code table}: keys of the rows of every collection on it, under the row's bucket, and a grant
     * key for every grant capture on it.
     *
     * @param quoteLiteral PostgreSQL's {@code quote_literal}, for the fragments' constants and the table's name
     */
    static CaptureFunction of(
            TableName table,
            List<CompiledCollection> collections,
            List<GrantCapture> grantCaptures,
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
                        log(Rows.INSERTED, tbl, collections, grantCaptures, quoteLiteral),
                        log(Rows.UPDATED, tbl, collections, grantCaptures, quoteLiteral),
                        log(Rows.DELETED, tbl, collections, grantCaptures, quoteLiteral),
                        quoteLiteral.apply(ChangeLog.truncateBucket(table.toString())),
                        tbl);
        return new CaptureFunction(table, functionName(table), source);
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
        return """
                create function nizhal.%s() returns trigger
                    language plpgsql
                    security definer
                    set search_path = pg_catalog, pg_temp
                    set "TimeZone" = 'UTC'
                    set "DateStyle" = 'ISO, MDY'
                    set "IntervalStyle" = 'postgres'
                    set extra_float_digits = 1
                    set bytea_output = 'hex'
                as %s""".formatted(ident(name), tag + source + tag);
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
            UnaryOperator<String> quoteLiteral) {
        StringBuilder out = new StringBuilder();
        if (!collections.isEmpty()) {
            out.append(logKeys(rows, tbl, collections, quoteLiteral));
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
     * linear in the rows. Only an update can see a key twice (its old and new row in the same bucket): only there are
     * the keys made distinct.
     */
    private static String logKeys(
            Rows rows, String tbl, List<CompiledCollection> collections, UnaryOperator<String> quoteLiteral) {
        String keys = collections.stream()
                .map(c -> keys(rows, tbl, c, quoteLiteral))
                .collect(Collectors.joining("\n                        union all\n                        "));
        String source = rows.repeatsKeys ? "select distinct u.bucket, u.tbl, u.key from (" + keys + ") as u" : keys;
        // a null bucket is dropped after grouping, not before: a filter on it would be pushed down into the scan
        // and evaluate the bucket key twice per row; count() ignores nulls, and the planner keeps it after grouping
        return """
                        insert into nizhal.change_log (bucket, tbl, pks)
                        select g.bucket, g.tbl, s.pks
                        from (select k.bucket, k.tbl, array_agg(k.key) as pks
                              from (%s) as k
                              where k.key is not null
                              group by k.bucket, k.tbl
                              having count(k.bucket) > 0) as g
                        cross join lateral (
                            select g.pks where cardinality(g.pks) <= %d
                            union all
                            select array_agg(u.key) from unnest(g.pks) with ordinality as u(key, n)
                            where cardinality(g.pks) > %d
                            group by (u.n - 1) / %d) as s(pks);
                """.formatted(source, MAX_KEYS_PER_ROW, MAX_KEYS_PER_ROW, MAX_KEYS_PER_ROW);
    }

    /**
     * The (bucket, table, key) of the rows of one collection. An update reads its new rows, and only those old rows
     * for which no new row has the same key and the same text of every column the collection's fragments read: such
     * an old row has the bucket, key and match of that new row, so it would only repeat it (an update of a column no
     * rule reads logs each row once, without computing its old bucket). When the columns cannot be told (a fragment
     * reads the row other than as {@code t."column"}), every old row is read.
     */
    private static String keys(Rows rows, String tbl, CompiledCollection c, UnaryOperator<String> quoteLiteral) {
        String bucketKey = inline(c.bucketKey(), quoteLiteral);
        String rowKey = inline(c.rowKey(), quoteLiteral);
        String rowMatches = inline(c.rowMatches(), quoteLiteral);
        String select = "select " + bucketKey + " as bucket, " + tbl + " as tbl, " + rowKey + " as key from ";
        if (rows != Rows.UPDATED) {
            return select + rows.sql + " as t where " + rowMatches;
        }
        List<String> columns = columnsRead(List.of(bucketKey, rowKey, rowMatches));
        if (columns.isEmpty()) {
            return select + rows.sql + " as t where " + rowMatches;
        }
        StringBuilder newColumns = new StringBuilder("select " + rowKey + " as nizhal_key");
        StringBuilder same = new StringBuilder("n.nizhal_key = " + rowKey);
        for (int i = 0; i < columns.size(); i++) {
            String text = "cast(t." + columns.get(i) + " as text)";
            newColumns.append(", ").append(text).append(" as c").append(i);
            same.append(" and n.c").append(i).append(" is not distinct from ").append(text);
        }
        return select + NEW_ROWS + " as t where " + rowMatches
                + "\n                        union all\n                        "
                + select + OLD_ROWS + " as t where " + rowMatches
                + " and not exists (select from (" + newColumns + " from " + NEW_ROWS + " as t) as n where " + same
                + ")";
    }

    /**
     * The quoted columns of alias {@code t} that the fragments read, in order of first use; empty when a fragment
     * reads {@code t} in another way (a whole-row reference), since then no list of columns is known to be complete.
     */
    static List<String> columnsRead(List<String> fragments) {
        LinkedHashSet<String> columns = new LinkedHashSet<>();
        for (String fragment : fragments) {
            String code = withoutLiterals(fragment);
            if (code == null) {
                return List.of(); // a quote left open: not SQL this reading understands, so no list is complete
            }
            Matcher m = ROW_COLUMN.matcher(code);
            while (m.find()) {
                columns.add(m.group(1));
            }
            if (BARE_ROW.matcher(ROW_COLUMN.matcher(code).replaceAll("")).find()) {
                return List.of();
            }
        }
        return List.copyOf(columns);
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
