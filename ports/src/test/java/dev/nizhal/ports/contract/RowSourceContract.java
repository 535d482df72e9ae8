package dev.nizhal.ports.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.RowSource.JsonText;
import dev.nizhal.ports.out.RowSource.Row;
import dev.nizhal.ports.out.SchemaCatalog;
import dev.nizhal.ports.out.Transactions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract kit of {@link RowSource}: grants, requested filters, changed rows and load pages with the compiled
 * predicates, and the wire encoding of row values (PROTOCOL.md "Encodings"). An implementation's test extends this
 * class and supplies the setup hook; the kit's tables are PostgreSQL tables in the schema {@code public}, created
 * anew before each case.
 *
 * <p>The kit reads in {@link Transactions#inReadTransaction read transactions}: keys holding time values must come
 * out canonical (UTC) there, whatever the session's time zone, so an implementation should run the kit with a
 * session time zone other than UTC.
 */
public abstract class RowSourceContract {

    private Setup setup;
    private CompiledRules compiled;

    /** The setup hook: the implementation under test and how the kit writes its test rows. Called once per test. */
    protected abstract Setup setup();

    /** What a row-source implementation gives the kit. */
    public interface Setup {
        RowSource rowSource();

        Transactions transactions();

        /** The live schema, to compile the kit's rules against it. */
        SchemaCatalog schemaCatalog();

        /** Runs the kit's data-definition and row-writing statements (PostgreSQL SQL) in one transaction. */
        void execute(String... statements);
    }

    @BeforeEach
    final void createTablesAndCompileRules() {
        setup = setup();
        setup.execute(
                "drop table if exists notes, list_members, lists, todos, players, events, wire_values",
                "drop type if exists mood",
                "create type mood as enum ('happy', 'sad')",
                "create table notes (id text primary key, body text, owner_id text)",
                "create table list_members (list_id int8, user_id text, primary key (list_id, user_id))",
                "create table lists (id int8 primary key, name text)",
                "create table todos (id uuid primary key, list_id int8, title text, done bool)",
                "create table players (id int4 primary key, team text, level int8)",
                "create table events (at timestamptz primary key, label text)",
                """
                create table wire_values (
                    id int4 primary key, c_text text, c_varchar varchar(10), c_char char(3), c_uuid uuid,
                    c_int2 int2, c_int4 int4, c_int8 int8, c_numeric numeric, c_float4 float4, c_float8 float8,
                    c_bool bool, c_date date, c_timestamptz timestamptz, c_timestamp timestamp, c_json json,
                    c_jsonb jsonb, c_bytea bytea, c_int4_array int4[], c_text_array text[], c_int8_array int8[],
                    c_timestamptz_array timestamptz[], c_int4_matrix int4[][], c_mood mood, c_interval interval)
                """,
                "insert into notes values ('n4', 'd', 'u1'), ('n1', 'a', 'u1'), ('n2', 'b', 'u2'), ('n3', 'c', null),"
                        + " ('n6', 'f', 'u1')",
                "insert into list_members values (1, 'u1'), (2, 'u1'), (2, 'u2'), (3, 'u3')",
                "insert into lists values (1, 'one'), (2, 'two'), (3, 'three')",
                "insert into todos values ('00000000-0000-0000-0000-000000000002', 2, 'y', true),"
                        + " ('00000000-0000-0000-0000-000000000001', 1, 'x', false),"
                        + " ('00000000-0000-0000-0000-000000000003', 2, 'z', null)",
                "insert into players values (1, 'red', 9007199254740993), (2, 'red', 7), (3, 'blue', 7)");
        SyncRules rules = SyncRules.define(b -> b.rule(
                        "myNotes",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("notes")
                                        .columns("id", "body", "owner_id")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        "sharedLists",
                        r -> r.parameters(p -> p.fromQuery(
                                        "listId",
                                        b.table("list_members")
                                                .select("list_id")
                                                .where(b.eq("user_id", p.actorId()))))
                                .data(bucket -> List.of(
                                        b.table("lists")
                                                .columns("id", "name")
                                                .where(b.eq("id", bucket.param("listId"))),
                                        b.table("todos")
                                                .columns("id", "list_id", "title", "done")
                                                .where(b.eq("list_id", bucket.param("listId"))))))
                .rule(
                        "teamLevel",
                        r -> r.parameters(p -> p.fromClaim("team", "team").fromClaim("level", "level"))
                                .data(bucket -> List.of(b.table("players")
                                        .columns("id", "team", "level")
                                        .where(b.and(
                                                b.eq("team", bucket.param("team")),
                                                b.eq("level", bucket.param("level")))))))
                .rule(
                        "timeline",
                        r -> r.global().data(bucket -> List.of(b.table("events").columns("at", "label"))))
                .rule(
                        "wire",
                        r -> r.global()
                                .data(bucket -> List.of(b.table("wire_values")
                                        .columns(
                                                "id",
                                                "c_text",
                                                "c_varchar",
                                                "c_char",
                                                "c_uuid",
                                                "c_int2",
                                                "c_int4",
                                                "c_int8",
                                                "c_numeric",
                                                "c_float4",
                                                "c_float8",
                                                "c_bool",
                                                "c_date",
                                                "c_timestamptz",
                                                "c_timestamp",
                                                "c_json",
                                                "c_jsonb",
                                                "c_bytea",
                                                "c_int4_array",
                                                "c_text_array",
                                                "c_int8_array",
                                                "c_timestamptz_array",
                                                "c_int4_matrix",
                                                "c_mood",
                                                "c_interval")))));
        compiled = SqlCompiler.compile(rules, setup.schemaCatalog().describe(rules.tables()));
    }

    // --- grants and requested buckets

    @Test
    void aFromActorRuleGrantsTheActorsOwnBucket() {
        assertThat(grants("myNotes", Actor.of("u1"))).containsExactly("myNotes[\"u1\"]");
        assertThat(grants("myNotes", Actor.of("say \"hi\"\\"))).containsExactly("myNotes[\"say \\\"hi\\\"\\\\\"]");
    }

    @Test
    void aFromQueryRuleGrantsTheActorsRowsAsTheTransactionSeesThem() {
        assertThat(grants("sharedLists", Actor.of("u1"))).containsExactlyInAnyOrder("sharedLists[1]", "sharedLists[2]");
        assertThat(grants("sharedLists", Actor.of("nobody"))).isEmpty();

        setup.execute("insert into list_members values (3, 'u1')", "delete from list_members where list_id = 1");

        assertThat(grants("sharedLists", Actor.of("u1"))).containsExactlyInAnyOrder("sharedLists[2]", "sharedLists[3]");
    }

    @Test
    void grantKeysNameTheActorsParameterQueryRowsOnlyForRulesThatHaveThem() {
        assertThat(grantKeys("sharedLists", Actor.of("u1"))).containsExactly("grant:sharedLists[\"u1\"]");
        // the key exists before any row does: a first membership row is logged under it
        assertThat(grantKeys("sharedLists", Actor.of("nobody"))).containsExactly("grant:sharedLists[\"nobody\"]");
        assertThat(grantKeys("myNotes", Actor.of("u1"))).isEmpty();
        assertThat(grantKeys("teamLevel", new Actor("u1", Map.of("team", "red", "level", 7))))
                .isEmpty();
    }

    @Test
    void aFromClaimRuleGrantsFromTheClaimsExactlyAsTheyWereIssued() {
        Actor bigLevel = new Actor("someone", Map.of("team", "red", "level", 9007199254740993L));
        Actor textLevel = new Actor("someone", Map.of("team", "red", "level", "7"));
        Actor listLevel = new Actor("someone", Map.of("team", "red", "level", List.of(7)));

        // a number above 2^53 stays exact: it never passes through a double
        assertThat(grants("teamLevel", bigLevel)).containsExactly("teamLevel[\"red\",9007199254740993]");
        assertThat(grants("teamLevel", textLevel)).containsExactly("teamLevel[\"red\",7]");
        assertThat(grants("teamLevel", listLevel)).isEmpty();
        assertThat(grants("teamLevel", Actor.of("someone"))).isEmpty();
    }

    @Test
    void theRequestedBucketsAreTheOnesTheFiltersNameWithTheirValuesCast() {
        RowSource rows = setup.rowSource();

        Set<String> notes = read(tx -> rows.requested(
                tx, rule("myNotes"), "[{\"ownerId\": \"u1\"}, {\"ownerId\": \"u2\"}, {\"other\": \"u3\"}]"));
        Set<String> lists = read(tx -> rows.requested(
                tx, rule("sharedLists"), "[{\"listId\": 1}, {\"listId\": \" 2\"}, {\"listId\": \"x\"}]"));
        Set<String> none = read(tx -> rows.requested(tx, rule("sharedLists"), "[]"));

        assertThat(notes).containsExactlyInAnyOrder("myNotes[\"u1\"]", "myNotes[\"u2\"]");
        assertThat(lists).containsExactlyInAnyOrder("sharedLists[1]", "sharedLists[2]");
        assertThat(none).isEmpty();
    }

    // --- changed rows

    @Test
    void changedRowsAreTheRowsOfTheKeysThatBelongToTheReadSet() {
        List<Row> onlyU1 =
                changedRows("myNotes", "notes", List.of("n1", "n2", "n3", "gone"), Set.of("myNotes[\"u1\"]"));
        List<Row> both = changedRows(
                "myNotes", "notes", List.of("n1", "n2", "n3"), Set.of("myNotes[\"u1\"]", "myNotes[\"u2\"]"));

        // n2 belongs to a bucket outside the read set, n3 to none, "gone" does not exist: absent, so deletes
        assertThat(onlyU1)
                .containsExactly(new Row("n1", "myNotes[\"u1\"]", values("id", "n1", "body", "a", "owner_id", "u1")));
        assertThat(both)
                .extracting(Row::key, Row::bucket)
                .containsExactlyInAnyOrder(tuple("n1", "myNotes[\"u1\"]"), tuple("n2", "myNotes[\"u2\"]"));
    }

    @Test
    void aRowThatMovedOutOfTheReadSetIsAbsent() {
        setup.execute("update notes set owner_id = 'u2' where id = 'n1'");

        assertThat(changedRows("myNotes", "notes", List.of("n1"), Set.of("myNotes[\"u1\"]")))
                .isEmpty();
        assertThat(changedRows("myNotes", "notes", List.of("n1"), Set.of("myNotes[\"u2\"]")))
                .extracting(Row::bucket)
                .containsExactly("myNotes[\"u2\"]");
    }

    @Test
    void changedRowsFindKeysOfOtherTypesAndKeepTheColumnOrder() {
        List<Row> todos = changedRows(
                "sharedLists",
                "todos",
                List.of("00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000001"),
                Set.of("sharedLists[2]"));

        assertThat(todos).singleElement().satisfies(row -> {
            assertThat(row.key()).isEqualTo("00000000-0000-0000-0000-000000000002");
            assertThat(row.values())
                    .containsExactlyEntriesOf(values(
                            "id", "00000000-0000-0000-0000-000000000002", "list_id", 2L, "title", "y", "done", true));
        });
    }

    // --- initial-load pages

    @Test
    void pagesReadTheBucketsRowsInKeyOrderAfterTheGivenKey() {
        List<Row> first = page("myNotes", "notes", "myNotes[\"u1\"]", null, 2);
        List<Row> second =
                page("myNotes", "notes", "myNotes[\"u1\"]", first.getLast().key(), 2);
        List<Row> third =
                page("myNotes", "notes", "myNotes[\"u1\"]", second.getLast().key(), 2);

        assertThat(first).extracting(Row::key).containsExactly("n1", "n4");
        assertThat(first).extracting(Row::bucket).containsOnlyNulls();
        assertThat(first.getFirst().values())
                .containsExactlyEntriesOf(values("id", "n1", "body", "a", "owner_id", "u1"));
        assertThat(second).extracting(Row::key).containsExactly("n6");
        assertThat(third).isEmpty();
        assertThat(page("sharedLists", "todos", "sharedLists[2]", null, 10))
                .extracting(Row::key)
                .containsExactly("00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003");
    }

    @Test
    void aPageEndsAtTheRowWhereItsSizeReachesTheBoundAndSaysSoUnlessItIsFull() {
        String u1 = "myNotes[\"u1\"]";
        List<Row> all = page("myNotes", "notes", u1, null, 10);
        assertThat(all).extracting(Row::key).containsExactly("n1", "n4", "n6");
        long n1 = all.get(0).size();
        long n4 = all.get(1).size();

        RowSource.Page unbounded = sizedPage(u1, null, 10, Long.MAX_VALUE);
        assertThat(unbounded.rows()).isEqualTo(all);
        assertThat(unbounded.bytes())
                .isEqualTo(all.stream().mapToLong(Row::size).sum());
        assertThat(unbounded.cut()).isFalse();

        // one byte: a row a page, each page cut, then an empty page that is not
        List<String> keys = new ArrayList<>();
        String after = null;
        RowSource.Page page;
        while (!(page = sizedPage(u1, after, 10, 1)).rows().isEmpty()) {
            assertThat(page.rows()).hasSize(1);
            assertThat(page.cut()).isTrue();
            assertThat(page.bytes()).isEqualTo(page.rows().getFirst().size());
            keys.add(page.rows().getFirst().key());
            after = page.rows().getFirst().key();
        }
        assertThat(keys).containsExactly("n1", "n4", "n6");
        assertThat(page.cut()).isFalse();
        assertThat(page.bytes()).isZero();

        // the row that reaches the bound is the page's last
        RowSource.Page reached = sizedPage(u1, null, 10, n1 + n4);
        assertThat(reached.rows()).extracting(Row::key).containsExactly("n1", "n4");
        assertThat(reached.cut()).isTrue();
        assertThat(sizedPage(u1, null, 10, n1 + 1).rows()).extracting(Row::key).containsExactly("n1", "n4");
        assertThat(sizedPage(u1, null, 10, n1 + n4 + 1).rows()).hasSize(3);

        // a page of its limit of rows is full, not cut, whatever its size
        RowSource.Page full = sizedPage(u1, null, 1, 1);
        assertThat(full.rows()).extracting(Row::key).containsExactly("n1");
        assertThat(full.cut()).isFalse();
    }

    @Test
    void keysHoldingTimesAreCanonicalWhateverTheSessionTimeZone() {
        setup.execute(
                "set local TimeZone = 'Asia/Kolkata'",
                "insert into events values ('2026-01-01 05:30:00', 'new year in UTC')");

        List<Row> page = page("timeline", "events", "timeline[]", null, 10);
        List<Row> changed = changedRows("timeline", "events", List.of("2026-01-01 00:00:00+00"), Set.of("timeline[]"));

        assertThat(page)
                .containsExactly(new Row(
                        "2026-01-01 00:00:00+00",
                        null,
                        values("at", "2026-01-01T00:00:00Z", "label", "new year in UTC")));
        assertThat(changed).extracting(Row::key).containsExactly("2026-01-01 00:00:00+00");
    }

    // --- row values on the wire

    @Test
    void everyTypeIsEncodedAsTheProtocolSays() {
        setup.execute(
                // written in another zone: a timestamptz is an instant, read back in UTC
                "set local TimeZone = 'Asia/Kolkata'", """
                insert into wire_values values (
                    1, 'héllo "q"', 'v', 'ab', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', -7, 2147483647,
                    9007199254740991, 12345678901234567890.50, 0.1, 1.5e300, true, '2026-02-28',
                    '2026-01-01 05:30:00.123456', '2026-01-01 12:34:56', '{"b": 1,  "a": [true]}',
                    '{"b": 1, "a": [true]}', '\\x00ff10', '{1,NULL,3}', '{"a,b",NULL,"c\\"d"}',
                    '{9007199254740993,-9007199254740991}', '{"2026-01-01 05:30:00"}', '{{1,2},{3,4}}', 'happy',
                    '1 day 02:00:00')
                """, "insert into wire_values (id) values (2)", """
                insert into wire_values (id, c_int8, c_numeric, c_float4, c_float8, c_date, c_timestamptz,
                                         c_timestamp, c_int4_array)
                values (3, -9007199254740992, 1e-7, 'NaN', '-Infinity', 'infinity', '-infinity', 'infinity', '{}'),
                       (4, 9007199254740992, 'NaN', 'Infinity', 'NaN', '-infinity', 'infinity', '-infinity', null)
                """);

        List<Row> rows = page("wire", "wire_values", "wire[]", null, 10);

        CompiledCollection wire = collection("wire", "wire_values");
        assertThat(rows)
                .hasSize(4)
                .allSatisfy(row -> assertThat(row.values().keySet()).containsExactlyElementsOf(wire.columns()));
        Map<String, Object> full = values(
                "id",
                1,
                "c_text",
                "héllo \"q\"",
                "c_varchar",
                "v",
                "c_char",
                "ab ",
                "c_uuid",
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "c_int2",
                -7,
                "c_int4",
                2147483647,
                "c_int8",
                9007199254740991L,
                "c_numeric",
                "12345678901234567890.50",
                "c_float4",
                0.1d,
                "c_float8",
                1.5e300d,
                "c_bool",
                true,
                "c_date",
                "2026-02-28",
                "c_timestamptz",
                "2026-01-01T00:00:00.123456Z",
                "c_timestamp",
                "2026-01-01T12:34:56",
                "c_json",
                new JsonText("{\"b\": 1,  \"a\": [true]}"),
                "c_jsonb",
                new JsonText("{\"a\": [true], \"b\": 1}"),
                "c_bytea",
                "AP8Q",
                "c_int4_array",
                Arrays.asList(1, null, 3),
                "c_text_array",
                Arrays.asList("a,b", null, "c\"d"),
                "c_int8_array",
                List.of("9007199254740993", -9007199254740991L),
                "c_timestamptz_array",
                List.of("2026-01-01T00:00:00Z"),
                "c_int4_matrix",
                List.of(List.of(1, 2), List.of(3, 4)),
                "c_mood",
                "happy",
                "c_interval",
                "1 day 02:00:00");
        assertThat(rows.get(0).values()).containsExactlyEntriesOf(full);
        Map<String, Object> nulls = new LinkedHashMap<>();
        wire.columns().forEach(column -> nulls.put(column, null));
        nulls.put("id", 2);
        assertThat(rows.get(1).values()).containsExactlyEntriesOf(nulls);
        Map<String, Object> edges = new LinkedHashMap<>(nulls);
        edges.putAll(values(
                "id", 3,
                "c_int8", "-9007199254740992",
                "c_numeric", "0.0000001",
                "c_float4", "NaN",
                "c_float8", "-Infinity",
                "c_date", "infinity",
                "c_timestamptz", "-infinity",
                "c_timestamp", "infinity",
                "c_int4_array", List.of()));
        assertThat(rows.get(2).values()).containsExactlyEntriesOf(edges);
        Map<String, Object> otherEdges = new LinkedHashMap<>(nulls);
        otherEdges.putAll(values(
                "id", 4,
                "c_int8", "9007199254740992",
                "c_numeric", "NaN",
                "c_float4", "Infinity",
                "c_float8", "NaN",
                "c_date", "-infinity",
                "c_timestamptz", "infinity",
                "c_timestamp", "-infinity"));
        assertThat(rows.get(3).values()).containsExactlyEntriesOf(otherEdges);
    }

    // --- helpers

    private <T> T read(Transactions.Work<T> work) {
        return setup.transactions().inReadTransaction(work);
    }

    private Set<String> grants(String rule, Actor actor) {
        return read(tx -> setup.rowSource().grants(tx, rule(rule), actor));
    }

    private Set<String> grantKeys(String rule, Actor actor) {
        return read(tx -> setup.rowSource().grantKeys(tx, rule(rule), actor));
    }

    private List<Row> changedRows(String rule, String table, List<String> keys, Set<String> readSet) {
        return read(tx -> setup.rowSource().changedRows(tx, collection(rule, table), keys, readSet));
    }

    private List<Row> page(String rule, String table, String bucket, String afterKey, int limit) {
        return read(tx -> setup.rowSource().page(tx, collection(rule, table), bucket, afterKey, limit));
    }

    private RowSource.Page sizedPage(String bucket, String afterKey, int limit, long maxBytes) {
        return read(
                tx -> setup.rowSource().page(tx, collection("myNotes", "notes"), bucket, afterKey, limit, maxBytes));
    }

    private CompiledRule rule(String name) {
        return compiled.rule(name).orElseThrow();
    }

    private CompiledCollection collection(String rule, String table) {
        return rule(rule).collection(table).orElseThrow();
    }

    /** An ordered map of name-value pairs; values may be null. */
    private static Map<String, Object> values(Object... namesAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            values.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return values;
    }
}
