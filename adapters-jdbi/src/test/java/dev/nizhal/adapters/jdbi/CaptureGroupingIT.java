package dev.nizhal.adapters.jdbi;

import static dev.nizhal.adapters.jdbi.LoggedChange.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Installation;
import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Regenerated;
import dev.nizhal.adapters.jdbi.LoggedChange.Entry;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two ways a capture function computes bucket keys: per group of rows when every column a bucket key reads is
 * plain (bool, integers, uuid, text or varchar with a deterministic collation, as found at install), per row
 * otherwise. Each table here has its own collection, so each test changes only its own table.
 */
@ExtendWith(PostgresExtension.class)
class CaptureGroupingIT {

    private static Jdbi jdbi;
    private static JdbiCaptureTriggers triggers;

    @BeforeAll
    static void install(TestDatabase database) {
        jdbi = database.jdbi();
        triggers = new JdbiCaptureTriggers(database.dataSource());
        jdbi.useHandle(h -> h.createScript("""
                        create extension citext;
                        create collation case_blind (provider = icu, locale = 'und-u-ks-level2',
                                                     deterministic = false);
                        create table typed_notes(id text primary key, owner_id text);
                        create table odd("bucket" text primary key, nizhal_pks text, pks text);
                        create table moves(id text primary key, owner_id text, level int4, body text);
                        create table grouped_notes(id text primary key, owner_id text, team int4, level int4,
                                                   body text);
                        -- grouped_notes' twin: its statements carry a ballast row that is in no bucket
                        create table twin_notes(id text primary key, owner_id text, team int4, level int4,
                                                body text);
                        -- the same, but a nondeterministic collation is not plain: buckets per row; the owners
                        -- written here differ by more than case, so both tables hold the same buckets
                        create table per_row_notes(id text primary key, owner_id text collate case_blind,
                                                   team int4, level int4, body text);
                        """).execute());
        triggers.install(compile());
    }

    @BeforeEach
    void emptyTablesAndLog() {
        jdbi.useHandle(h -> h.createScript("truncate typed_notes, odd, moves, grouped_notes, twin_notes, per_row_notes;"
                        + " truncate nizhal.change_log")
                .execute());
    }

    @Test
    void rowsEqualUnderAColumnTypeChangedAfterInstallStayInTheBucketOfTheirOwnText() {
        assertThat(source("typed_notes")).contains("group by t.\"owner_id\"");
        // citext's = ignores case: grouped by the column alone, 'A' and 'a' were one group with one bucket key
        jdbi.useHandle(h -> h.execute("alter table typed_notes alter column owner_id type citext"));

        sql("insert into typed_notes values ('n1', 'A'), ('n2', 'a'), ('n3', 'a')");
        sql("update typed_notes set owner_id = 'A' where id = 'n2'");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("byOwner[\"A\"]", "typed_notes", "n1"),
                        entry("byOwner[\"a\"]", "typed_notes", "n2", "n3"),
                        entry("byOwner[\"A\"]", "typed_notes", "n2"),
                        entry("byOwner[\"a\"]", "typed_notes", "n2"));

        // rules cannot bind a parameter to a citext column (migrate refuses them); a nondeterministic collation,
        // also blind to case, can be read: migrate reads the column types again, finds the column no longer plain
        // and generates the function anew, with buckets per row and every output setting pinned
        jdbi.useHandle(h -> h.execute("alter table typed_notes alter column owner_id type text collate case_blind"));
        Installation again = triggers.install(compile());
        assertThat(again).isInstanceOf(Regenerated.class);
        assertThat(source("typed_notes")).doesNotContain("group by t.\"owner_id\"");
        assertThat(settings("typed_notes")).containsExactlyElementsOf(CaptureFunction.SETTINGS);
        clearLog();

        // the per-row path with a bucket column: an insert, a move of some rows, a delete
        sql("insert into typed_notes values ('n4', 'B'), ('n5', 'b'), ('n6', 'b')");
        sql("update typed_notes set owner_id = 'C' where id in ('n4', 'n5')");
        sql("delete from typed_notes where id = 'n6'");
        // a change of case only: the old row is told from the new one by its text in collation "C", not by the
        // column's collation (which finds them equal), so the bucket it left is logged too
        sql("update typed_notes set owner_id = 'c' where id = 'n5'");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("byOwner[\"B\"]", "typed_notes", "n4"),
                        entry("byOwner[\"b\"]", "typed_notes", "n5", "n6"),
                        entry("byOwner[\"C\"]", "typed_notes", "n4", "n5"),
                        entry("byOwner[\"B\"]", "typed_notes", "n4"),
                        entry("byOwner[\"b\"]", "typed_notes", "n5"),
                        entry("byOwner[\"b\"]", "typed_notes", "n6"),
                        entry("byOwner[\"C\"]", "typed_notes", "n5"),
                        entry("byOwner[\"c\"]", "typed_notes", "n5"));
    }

    @Test
    void columnsNamedLikeTheGeneratedQuerysAliasesAreReadAsColumns() {
        assertThat(source("odd")).contains("group by t.\"nizhal_pks\"");

        sql("insert into odd values ('k1', 'u1', 'x'), ('k2', 'u1', 'y'), ('k3', 'u2', 'z')");
        sql("update odd set nizhal_pks = 'u2', pks = 'moved' where \"bucket\" = 'k1'");
        sql("delete from odd where \"bucket\" = 'k2'");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("byOwner[\"u1\"]", "odd", "k1", "k2"),
                        entry("byOwner[\"u2\"]", "odd", "k3"),
                        entry("byOwner[\"u2\"]", "odd", "k1"),
                        entry("byOwner[\"u1\"]", "odd", "k1"),
                        entry("byOwner[\"u1\"]", "odd", "k2"));
    }

    @Test
    void anUpdateMovingSomeRowsLogsEachBucketOfEitherSideWithEachKeyOnce() {
        sql("""
                insert into moves values ('m1', 'u1', 1, 'a'), ('m2', 'u1', 1, 'a'), ('m3', 'u1', 1, 'a'),
                    ('m4', 'u1', 1, 'a'), ('m5', 'u3', 1, 'a'), ('m6', 'u3', 1, 'a'), ('m7', 'u1', 1, 'a'),
                    ('m8', 'u5', 1, 'a')""");
        clearLog();

        // u1 loses m1 and m2 and keeps m3, m4 and m7 (whose filtered column changed: old and new row both in u1);
        // u2 only gains, u3 only loses, u4 only gains; u5's m8 changed a column no rule reads
        sql("""
                update moves set owner_id = case when id in ('m1', 'm2') then 'u2'
                                                 when id in ('m5', 'm6') then 'u4' else owner_id end,
                                 level = case when id = 'm7' then 2 else level end,
                                 body = 'b'""");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("byOwner[\"u1\"]", "moves", "m1", "m2", "m3", "m4", "m7"),
                        entry("byOwner[\"u2\"]", "moves", "m1", "m2"),
                        entry("byOwner[\"u3\"]", "moves", "m5", "m6"),
                        entry("byOwner[\"u4\"]", "moves", "m5", "m6"),
                        entry("byOwner[\"u5\"]", "moves", "m8"));

        // a row leaving the filter is logged under the bucket it left, one entering it under the bucket it entered
        clearLog();
        sql("update moves set level = case when id = 'm3' then 10 else level end, owner_id = 'u6' where id in"
                + " ('m3', 'm8')");
        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("byOwner[\"u1\"]", "moves", "m3"),
                        entry("byOwner[\"u5\"]", "moves", "m8"),
                        entry("byOwner[\"u6\"]", "moves", "m8"));
    }

    @Test
    void theGroupedAndThePerRowPathLogTheSameBucketsForTheSameRandomStatements() {
        assertThat(source("grouped_notes")).contains("group by t.\"owner_id\"", "t.\"team\"");
        assertThat(source("per_row_notes")).doesNotContain("group by t.\"owner_id\"");
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int logged = 0;
        int moves = 0;
        for (int i = 0; i < 300; i++) {
            String statement = randomStatement(random, i);
            List<Entry> grouped = logOf(statement.formatted("grouped_notes"), "grouped_notes");
            List<Entry> perRow = logOf(statement.formatted("per_row_notes"), "per_row_notes");
            assertThat(grouped)
                    .as("seed %d, statement %d: %s", seed, i, statement)
                    .isEqualTo(perRow);
            logged += grouped.size();
            moves += grouped.size() > 1 ? 1 : 0;
        }
        // the statements were not vacuous: they logged, and many touched more than one bucket
        assertThat(logged).as("seed %d", seed).isGreaterThan(150);
        assertThat(moves).as("seed %d", seed).isGreaterThan(30);
        assertThat(rows("grouped_notes")).as("seed %d", seed).isEqualTo(rows("per_row_notes"));
    }

    /**
     * A statement of one row takes a path of its own (no aggregation); it must log what the grouped query logs. The
     * twin table runs each statement with a second row, a ballast row that is in no bucket before or after (no owner,
     * level 99), so that its statement takes the grouped query and logs only the first row's buckets.
     */
    @Test
    void aOneRowStatementLogsWhatTheGroupedQueryLogsForThatRow() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        int compared = 0;
        int logged = 0;
        for (int i = 0; i < 300; i++) {
            String id = "'n" + random.nextInt(12) + "'";
            String[] statement = oneRowStatement(random, i, id);
            sql("insert into twin_notes values ('ballast', null, null, 99, 'b') on conflict (id) do update"
                    + " set owner_id = null, team = null, level = 99");
            clearLog();
            int one = jdbi.withHandle(h -> h.execute(statement[0].formatted("grouped_notes")));
            List<Entry> oneRow = logOf("grouped_notes");
            clearLog();
            int two = jdbi.withHandle(h -> h.execute(statement[1].formatted("twin_notes")));
            List<Entry> grouped = logOf("twin_notes");
            assertThat(oneRow)
                    .as("seed %d, statement %d: %s", seed, i, statement[0])
                    .isEqualTo(grouped);
            if (one == 1 && two == 2) {
                compared++;
                logged += oneRow.size();
            }
        }
        assertThat(compared)
                .as("seed %d: statements of one row against two", seed)
                .isGreaterThan(80);
        assertThat(logged).as("seed %d", seed).isGreaterThan(30);
        assertThat(rows("grouped_notes"))
                .as("seed %d", seed)
                .isEqualTo(rows("twin_notes").stream()
                        .filter(row -> !row.startsWith("ballast"))
                        .toList());
    }

    /**
     * A statement of at most one row of {@code grouped_notes} (%s) and the same for its twin with the ballast row: an
     * insert, an update of the row (its owner, team, level, body or key; the ballast row keeps no owner and level
     * 99), or a delete.
     */
    private static String[] oneRowStatement(Random random, int i, String id) {
        String ballast = "left(id, 7) = 'ballast'";
        return switch (random.nextInt(7)) {
            case 0, 1 -> {
                String values = "(" + id + ", " + pick(random, OWNERS) + ", " + pick(random, TEAMS) + ", "
                        + random.nextInt(12) + ", 'b')";
                String insert = "insert into %s(id, owner_id, team, level, body) values ";
                yield new String[] {
                    insert + values + " on conflict (id) do nothing",
                    insert + values + ", ('ballast-" + i + "', null, 1, 99, 'b') on conflict (id) do nothing"
                };
            }
            case 5 ->
                new String[] {
                    "delete from %s where id = " + id, "delete from %s where id = " + id + " or id = 'ballast'"
                };
            default -> {
                String set = switch (random.nextInt(5)) {
                    case 0 -> "owner_id = case when " + ballast + " then null else " + pick(random, OWNERS) + " end";
                    case 1 -> "team = " + pick(random, TEAMS);
                    case 2 -> "level = case when " + ballast + " then 99 else " + random.nextInt(12) + " end";
                    case 3 -> "body = body || 'x'";
                    default -> "id = id || 'k" + i + "'";
                };
                yield new String[] {
                    "update %s set " + set + " where id = " + id,
                    "update %s set " + set + " where id = " + id + " or id = 'ballast'"
                };
            }
        };
    }

    // --- random statements, the same for both tables (%s is the table)

    private static final String[] OWNERS = {"'u1'", "'u2'", "'u3'", "'u4'", "null"};
    private static final String[] TEAMS = {"1", "2", "3", "null"};

    private static String randomStatement(Random random, int i) {
        String ids = IntStream.range(0, 1 + random.nextInt(12))
                .mapToObj(n -> "'n" + random.nextInt(40) + "'")
                .distinct()
                .collect(Collectors.joining(", "));
        String others = IntStream.range(0, 1 + random.nextInt(6))
                .mapToObj(n -> "'n" + random.nextInt(40) + "'")
                .collect(Collectors.joining(", "));
        return switch (random.nextInt(8)) {
            case 0, 1 -> {
                String values = IntStream.range(0, 1 + random.nextInt(15))
                        .mapToObj(n -> "('n" + random.nextInt(40) + "', " + pick(random, OWNERS) + ", "
                                + pick(random, TEAMS) + ", " + random.nextInt(12) + ", 'b')")
                        .distinct()
                        .collect(Collectors.joining(", "));
                yield "insert into %s(id, owner_id, team, level, body) values " + values + " on conflict (id) do"
                        + " nothing";
            }
            case 2 -> "update %s set owner_id = " + pick(random, OWNERS) + " where id in (" + ids + ")";
            case 3 ->
                "update %s set owner_id = case when id in (" + others + ") then " + pick(random, OWNERS)
                        + " else owner_id end, team = case when id in (" + others + ") then " + pick(random, TEAMS)
                        + " else team end, level = level + " + (random.nextInt(5) - 2) + " where id in (" + ids + ")";
            case 4 -> "update %s set body = body || 'x' where id in (" + ids + ") or level > " + random.nextInt(12);
            case 5 -> "update %s set id = id || 'k" + i + "' where id in (" + ids + ")";
            case 6 ->
                "update %s set level = " + random.nextInt(12) + ", team = " + pick(random, TEAMS) + " where id in ("
                        + ids + ")";
            default -> "delete from %s where id in (" + ids + ")";
        };
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    /** What {@code statement} logged, without the table's name, sorted (the order of log rows is not compared). */
    private static List<Entry> logOf(String statement, String table) {
        clearLog();
        sql(statement);
        return logOf(table);
    }

    /** What the log holds, all of {@code table}, without the table's name, sorted. */
    private static List<Entry> logOf(String table) {
        List<Entry> entries = new ArrayList<>();
        for (Entry e : LoggedChange.entries(jdbi)) {
            assertThat(e.tbl()).isEqualTo(table);
            entries.add(new Entry(e.bucket(), "", e.pks()));
        }
        entries.sort(Comparator.comparing(Entry::bucket).thenComparing(e -> String.join(",", e.pks())));
        return entries;
    }

    private static List<String> rows(String table) {
        return jdbi.withHandle(h -> h.createQuery(
                        "select concat_ws('|', id, owner_id, team, level, body) from " + table + " order by id")
                .mapTo(String.class)
                .list());
    }

    // --- set-up

    private static CompiledRules compile() {
        SyncRules rules = SyncRules.define(b -> b.rule(
                        "byOwner",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(
                                        b.table("typed_notes")
                                                .columns("id", "owner_id")
                                                .where(b.eq("owner_id", bucket.param("ownerId"))),
                                        b.table("odd")
                                                .columns("bucket", "nizhal_pks", "pks")
                                                .where(b.eq("nizhal_pks", bucket.param("ownerId"))),
                                        b.table("moves")
                                                .columns("id", "owner_id", "level", "body")
                                                .where(b.and(
                                                        b.eq("owner_id", bucket.param("ownerId")),
                                                        b.lt("level", 10))))))
                .rule(
                        "teamNotes",
                        r -> r.parameters(p -> p.fromActor("ownerId").fromClaim("team", "team"))
                                // three tables alike: grouped, its twin and the per-row one
                                .data(bucket -> Stream.of("grouped_notes", "twin_notes", "per_row_notes")
                                        .map(table -> b.table(table)
                                                .columns("id", "owner_id", "team", "level", "body")
                                                .where(b.and(
                                                        b.eq("owner_id", bucket.param("ownerId")),
                                                        b.eq("team", bucket.param("team")),
                                                        b.lt("level", 10))))
                                        .toList())));
        return SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables()));
    }

    private static String source(String table) {
        return jdbi.withHandle(h -> h.createQuery("select prosrc from pg_catalog.pg_proc where proname = :name")
                .bind("name", CaptureFunction.functionName(new TableName("public", table)))
                .mapTo(String.class)
                .one());
    }

    private static List<String> settings(String table) {
        return jdbi.withHandle(
                h -> h.createQuery("select unnest(proconfig) from pg_catalog.pg_proc where proname = :name")
                        .bind("name", CaptureFunction.functionName(new TableName("public", table)))
                        .mapTo(String.class)
                        .list());
    }

    private static void sql(String sql) {
        jdbi.useHandle(h -> h.execute(sql));
    }

    private static void clearLog() {
        sql("truncate nizhal.change_log");
    }
}
