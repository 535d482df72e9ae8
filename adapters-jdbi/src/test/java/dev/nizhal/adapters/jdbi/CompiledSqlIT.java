package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.domain.sql.SqlFragment;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the SQL the domain compiles on a real PostgreSQL: the compiled form is the one evaluator of the rules. */
@ExtendWith(PostgresExtension.class)
class CompiledSqlIT {

    private static Jdbi jdbi;
    private static CompiledRules compiled;

    @BeforeAll
    static void createSchema(TestDatabase database) {
        jdbi = database.jdbi();
        jdbi.useHandle(h -> h.createScript("""
                create table notes(id text primary key, body text, owner_id text, updated_at timestamptz);
                create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
                create table lists(id int8 primary key, name text);
                create table todos(id uuid primary key, list_id int4, title text, done bool);
                create table scores(team text, player int4, points numeric, at timestamptz, tag text,
                                    primary key (team, player));
                create table by_text(id int4 primary key, v varchar(20));
                create table by_uuid(id int4 primary key, v uuid);
                create table by_int(id int4 primary key, v int4);
                create table by_bigint(id int4 primary key, v int8);
                create table by_bool(id int4 primary key, v bool);

                insert into notes values ('n1', 'a', 'u1', now()), ('n2', 'b', 'u2', now()),
                                         ('n3', 'c', null, now()), ('n4', 'd', 'u1', now());
                insert into list_members values (1, 'u1'), (2, 'u1'), (2, 'u2'), (3, 'u3');
                insert into lists values (1, 'one'), (2, 'two'), (3, 'three');
                insert into todos values ('00000000-0000-0000-0000-000000000001', 1, 'x', false),
                                         ('00000000-0000-0000-0000-000000000002', 2, 'y', true),
                                         ('00000000-0000-0000-0000-000000000003', null, 'z', false);
                insert into scores values
                  ('red', 1, 10, '2026-01-01T00:00:00Z', 'a'),
                  ('red', 2, 9.5, '2026-01-01T00:00:00Z', 'a'),
                  ('red', 3, 20, '2026-06-01T00:00:00Z', 'b'),
                  ('red', 4, 30, '2026-01-01T00:00:00Z', null),
                  ('blue', 1, null, '2026-01-01T00:00:00Z', 'a'),
                  ('blue', 2, 15, null, 'b'),
                  ('blue', 3, 12, '2025-12-31T23:59:59Z', 'c'),
                  ('green', 7, 11, '2026-02-01T00:00:00Z', 'b'),
                  ('green', 8, 100, '2026-02-01T00:00:00Z', 'a');
                insert into by_text values (1, 'u1'), (2, 'U1'), (3, null);
                insert into by_uuid values (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), (2, null);
                insert into by_int values (1, 42), (2, -7);
                insert into by_bigint values (1, 9007199254740993), (2, 42);
                insert into by_bool values (1, true), (2, false);
                """).execute());
        SyncRules rules = rules();
        compiled = SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables()));
    }

    private static SyncRules rules() {
        return SyncRules.define(b -> b.rule(
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
                        "scoreboard",
                        r -> r.global()
                                .data(bucket -> List.of(b.table("scores")
                                        .columns("team", "player", "points")
                                        .where(b.and(
                                                b.in("tag", "a", "b"),
                                                b.ge("points", new BigDecimal("10")),
                                                b.lt("at", Instant.parse("2026-03-01T00:00:00Z")))))))
                .rule(
                        "teamScores",
                        r -> r.parameters(p -> p.fromClaim("team", "team"))
                                .data(bucket -> List.of(b.table("scores")
                                        .columns("team", "player", "points")
                                        .where(b.and(b.eq("team", bucket.param("team")), b.isNull("tag")))))));
    }

    // --- predicates select exactly the expected rows

    @Test
    void aGlobalRuleSelectsExactlyTheRowsOfItsPredicateWithNullsInComparisonsAndIn() {
        CompiledCollection scores = collection("scoreboard", "scores");

        List<String> keys = select(scores.rowMatches(), scores, Map.of());

        // red/2 (9.5 < 10), red/3 (after March), red/4 (null tag), blue/1 (null points), blue/2 (null at) and
        // blue/3 (tag c) are out
        assertThat(keys).containsExactlyInAnyOrder("[\"red\",1]", "[\"green\",7]", "[\"green\",8]");
    }

    @Test
    void pagesOverACompositeKeyReturnEveryRowOnceInKeyOrder() {
        CompiledCollection scores = collection("scoreboard", "scores");

        List<String> paged = new ArrayList<>();
        List<String> page = rows(scores.firstPage(), Map.of("bucket", "scoreboard[]", "limit", 2));
        while (!page.isEmpty()) {
            paged.addAll(page);
            page = rows(scores.nextPage(), Map.of("bucket", "scoreboard[]", "limit", 2, "after", page.getLast()));
        }

        assertThat(paged).containsExactly("[\"green\",7]", "[\"green\",8]", "[\"red\",1]");
    }

    @Test
    void aParameterRuleNeverMatchesANullParameterColumnAndKeysRowsByTheirBucket() {
        CompiledCollection notes = collection("myNotes", "notes");

        List<String> matching = select(notes.rowMatches(), notes, Map.of());
        List<String> buckets =
                jdbi.withHandle(h -> h.createQuery("select " + notes.bucketKey().sql() + " from notes as t where "
                                + notes.rowMatches().sql() + " order by 1")
                        .mapTo(String.class)
                        .list());

        assertThat(matching).containsExactlyInAnyOrder("n1", "n2", "n4");
        assertThat(buckets).containsExactly("myNotes[\"u1\"]", "myNotes[\"u1\"]", "myNotes[\"u2\"]");
    }

    @Test
    void changedRowsAreReadOnlyForTheGivenKeysAndReadSet() {
        CompiledCollection notes = collection("myNotes", "notes");

        List<String> read =
                jdbi.withHandle(h -> bind(h.createQuery(notes.changedRows().sql()), notes.changedRows())
                        .bindArray("keys", String.class, List.of("n1", "n2", "n3", "gone"))
                        .bindArray("buckets", String.class, List.of("myNotes[\"u1\"]"))
                        .map((rs, ctx) -> rs.getString("nizhal_key") + "@" + rs.getString("nizhal_bucket"))
                        .list());

        assertThat(read).containsExactly("n1@myNotes[\"u1\"]");
    }

    @Test
    void aBucketPageReadsOnlyThatBucketsRows() {
        CompiledCollection todos = collection("sharedLists", "todos");
        CompiledCollection notes = collection("myNotes", "notes");

        assertThat(rows(todos.firstPage(), Map.of("bucket", "sharedLists[2]", "limit", 10)))
                .containsExactly("00000000-0000-0000-0000-000000000002");
        assertThat(rows(notes.firstPage(), Map.of("bucket", "myNotes[\"u1\"]", "limit", 1)))
                .containsExactly("n1");
        assertThat(rows(notes.nextPage(), Map.of("bucket", "myNotes[\"u1\"]", "limit", 1, "after", "n1")))
                .containsExactly("n4");
    }

    @Test
    void aParameterQueryGrantsTheActorsMembershipsAndItsGrantKeyMatchesTheCapturedRows() {
        CompiledRule shared = compiled.rule("sharedLists").orElseThrow();
        CompiledRules.GrantCapture capture = compiled.grantCaptures().getFirst();

        Set<String> grants = keys(shared.grants(), Map.of("actor_id", "u1", "claims", "{}"));
        Set<String> actorKeys = keys(shared.actorGrantKeys(), Map.of("actor_id", "u1", "claims", "{}"));
        List<String> capturedKeys = jdbi.withHandle(h -> h.createQuery("select "
                        + capture.grantKey().sql() + " from list_members as t where "
                        + capture.rowMatches().sql()
                        + " and t.user_id = 'u1'")
                .mapTo(String.class)
                .list());

        assertThat(grants).containsExactly("sharedLists[1]", "sharedLists[2]");
        assertThat(actorKeys).containsExactly("grant:sharedLists[\"u1\"]");
        assertThat(capturedKeys).hasSize(2).containsOnlyElementsOf(actorKeys);
        assertThat(keys(shared.grants(), Map.of("actor_id", "nobody", "claims", "{}")))
                .isEmpty();
    }

    // --- one canonical bucket key, whatever the source of the value

    static Stream<Arguments> castableValues() {
        return Stream.of(
                Arguments.of("by_text", "\"u1\"", "u1", 1),
                Arguments.of(
                        "by_uuid",
                        "\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"",
                        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
                        1),
                Arguments.of("by_int", "\" 42\"", " 42", 1),
                Arguments.of("by_int", "42", "42", 1),
                Arguments.of("by_int", "\"-7\"", "-7", 2),
                Arguments.of("by_bigint", "\"9007199254740993\"", "9007199254740993", 1),
                Arguments.of("by_bigint", "9007199254740993", "9007199254740993", 1),
                Arguments.of("by_bool", "\"yes\"", "yes", 1),
                Arguments.of("by_bool", "true", "true", 1),
                Arguments.of("by_bool", "\"OFF\"", "OFF", 2));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("castableValues")
    void keysFromTriggerRowsClaimsAndClientFiltersAreEqual(String table, String json, String text, int row) {
        CompiledRules rules = claimRule(table);
        CompiledRule rule = rules.rules().getFirst();
        CompiledCollection collection = rule.collections().getFirst();

        String fromRow = jdbi.withHandle(h -> h.createQuery(
                        "select " + collection.bucketKey().sql() + " from " + table + " as t where t.id = :id")
                .bind("id", row)
                .mapTo(String.class)
                .one());
        Set<String> fromClaim = keys(rule.grants(), Map.of("actor_id", "someone", "claims", "{\"v\": " + json + "}"));
        Set<String> fromFilter = keys(rule.requested(), Map.of("filters", "[{\"v\": " + json + "}]"));
        Set<String> fromText =
                keys(rule.grants(), Map.of("actor_id", "someone", "claims", "{\"v\": " + quote(text) + "}"));

        assertThat(fromClaim).containsExactly(fromRow);
        assertThat(fromFilter).containsExactly(fromRow);
        assertThat(fromText).containsExactly(fromRow);
    }

    static Stream<Arguments> valuesThatDoNotCast() {
        return Stream.of(
                Arguments.of("by_uuid", "\"not-a-uuid\""),
                Arguments.of("by_uuid", "\"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\""),
                Arguments.of("by_int", "\"4x\""),
                Arguments.of("by_int", "\"99999999999\""),
                Arguments.of("by_int", "4.5"),
                Arguments.of("by_bigint", "\"1e3\""),
                Arguments.of("by_bigint", "\"99999999999999999999\""),
                Arguments.of("by_bool", "\"maybe\""),
                Arguments.of("by_bool", "\"o\""),
                Arguments.of("by_int", "null"),
                Arguments.of("by_int", "{\"nested\": 1}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("valuesThatDoNotCast")
    void aValueThatDoesNotCastGrantsNothingAndRaisesNoError(String table, String json) {
        CompiledRule rule = claimRule(table).rules().getFirst();

        assertThat(keys(rule.grants(), Map.of("actor_id", "someone", "claims", "{\"v\": " + json + "}")))
                .isEmpty();
        assertThat(keys(rule.requested(), Map.of("filters", "[{\"v\": " + json + "}]")))
                .isEmpty();
        assertThat(keys(rule.grants(), Map.of("actor_id", "someone", "claims", "{}")))
                .isEmpty();
    }

    @Test
    void aValueThatDoesNotCastAlsoGrantsNothingUnderAPreparedGenericPlan() {
        CompiledRule rule = claimRule("by_int").rules().getFirst();

        // PostgreSQL switches a prepared statement to a generic plan after five executions: run it past that
        jdbi.useHandle(h -> {
            for (int i = 0; i < 8; i++) {
                String value = i % 2 == 0 ? "\"4x\"" : "\"42\"";
                List<String> granted = bind(h.createQuery(rule.grants().sql()), rule.grants())
                        .bind("actor_id", "someone")
                        .bind("claims", "{\"v\": " + value + "}")
                        .mapTo(String.class)
                        .list();
                assertThat(granted).hasSize(i % 2 == 0 ? 0 : 1);
            }
        });
    }

    private static CompiledRules claimRule(String table) {
        SyncRules rules = SyncRules.define(b -> b.rule(
                "byValue",
                r -> r.parameters(p -> p.fromClaim("v", "v"))
                        .data(bucket -> List.of(b.table(table).columns("id").where(b.eq("v", bucket.param("v")))))));
        return SqlCompiler.compile(
                rules, new JdbiSchemaCatalog(jdbi).describe(List.of(new TableName("public", table))));
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static CompiledCollection collection(String rule, String table) {
        return compiled.rule(rule).orElseThrow().collection(table).orElseThrow();
    }

    private static List<String> select(SqlFragment predicate, CompiledCollection c, Map<String, Object> binds) {
        String sql = "select " + c.rowKey().sql() + " from " + c.table().schema() + "."
                + c.table().table() + " as t where " + predicate.sql();
        return jdbi.withHandle(h -> {
            Query q = bind(h.createQuery(sql), predicate);
            binds.forEach(q::bind);
            return q.mapTo(String.class).list();
        });
    }

    private static List<String> rows(SqlFragment page, Map<String, Object> binds) {
        return jdbi.withHandle(h -> {
            Query q = bind(h.createQuery(page.sql()), page);
            binds.forEach(q::bind);
            return q.map((rs, ctx) -> rs.getString("nizhal_key")).list();
        });
    }

    private static Set<String> keys(SqlFragment fragment, Map<String, Object> binds) {
        return new TreeSet<>(jdbi.withHandle((Handle h) -> {
            Query q = bind(h.createQuery(fragment.sql()), fragment);
            binds.forEach(q::bind);
            return q.mapTo(String.class).list();
        }));
    }

    private static Query bind(Query query, SqlFragment fragment) {
        fragment.constants().forEach(query::bind);
        return query;
    }
}
