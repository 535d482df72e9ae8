package dev.nizhal.domain.rules.lint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.domain.testing.Snapshot;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RulesLinterTest {

    private static final LintOptions LIVE = LintOptions.against(Fixtures.seedSchema());

    @Test
    void seedExampleIsAcceptedWithoutAndWithTheLiveSchema() {
        LintReport withoutSchema = RulesLinter.lint(Fixtures.seedRules(), LintOptions.withoutSchema());
        LintReport live = RulesLinter.lint(Fixtures.seedRules(), LIVE);

        assertThat(withoutSchema.findings()).isEmpty();
        assertThat(live.findings()).isEmpty();
        Snapshot.assertMatches("lint/seed-example.txt", live.render());
    }

    @Test
    void theExampleOfTheDesignDocumentIsAcceptedWithAllowlistWarnings() {
        SyncRules rules = SyncRules.define(b -> b.rule(
                        "myNotes",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("notes")
                                        .columns("id", "body", "owner_id", "updated_at")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        "sharedLists",
                        r -> r.parameters(p -> p.fromQuery(
                                        "listId",
                                        b.table("list_members")
                                                .select("list_id")
                                                .where(b.eq("user_id", p.actorId()))))
                                .data(bucket -> List.of(
                                        b.table("lists").where(b.eq("id", bucket.param("listId"))),
                                        b.table("todos").where(b.eq("list_id", bucket.param("listId"))))))
                .rule(
                        "announcements",
                        r -> r.global()
                                .data(bucket -> List.of(b.table("announcements").where(b.eq("published", true))))));

        LintReport report = RulesLinter.lint(rules, LIVE);

        assertThat(report.hasErrors()).isFalse();
        assertThat(codes(report))
                .containsExactly(
                        LintCode.NO_COLUMN_ALLOWLIST,
                        LintCode.NO_COLUMN_ALLOWLIST,
                        LintCode.NO_COLUMN_ALLOWLIST,
                        LintCode.GLOBAL_PERSONAL_COLUMN);
        Snapshot.assertMatches("lint/design-example.txt", report.render());
    }

    @Test
    void aSnapshotOfFindingsNamesCodeRuleTableMessageAndHint() {
        SyncRules rules = SyncRules.define(b -> b.rule(
                "leaky",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(
                                b.table("notes").columns("id").where(b.eq("owner_id", bucket.param("ownerId"))),
                                b.table("todos").columns("id").where(b.eq("done", false))))));

        LintFinding finding = RulesLinter.lint(rules, LIVE).errors().getFirst();

        assertThat(finding.code()).isEqualTo(LintCode.PARAMETER_NOT_BOUND);
        assertThat(finding.rule()).isEqualTo("leaky");
        assertThat(finding.table()).isEqualTo("todos");
        assertThat(finding.message()).contains("ownerId");
        assertThat(finding.hint()).contains("b.eq(column, bucket.param(\"ownerId\"))");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                of(
                        "parameter-not-bound-in-one-data-query",
                        LIVE,
                        List.of(LintCode.PARAMETER_NOT_BOUND),
                        b -> b.rule(
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
                                                        .columns("id", "title")
                                                        .where(b.eq("done", false)))))),
                of(
                        "parameter-inside-in",
                        LIVE,
                        List.of(LintCode.PARAMETER_MISPLACED, LintCode.PARAMETER_UNUSED),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.in("owner_id", bucket.param("ownerId"), "admin")))))),
                of(
                        "parameter-in-a-comparison",
                        LIVE,
                        List.of(LintCode.PARAMETER_MISPLACED, LintCode.COMPARISON_TYPE),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.and(
                                                        b.eq("owner_id", bucket.param("ownerId")),
                                                        b.ge("body", bucket.param("ownerId")))))))),
                of(
                        "parameter-bound-to-two-columns",
                        LIVE,
                        List.of(LintCode.PARAMETER_MISPLACED),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.and(
                                                        b.eq("owner_id", bucket.param("ownerId")),
                                                        b.eq("body", bucket.param("ownerId")))))))),
                of(
                        "parameter-query-not-scoped-to-the-actor",
                        LIVE,
                        List.of(LintCode.PARAMETER_QUERY_NOT_SCOPED),
                        b -> b.rule(
                                "sharedLists",
                                r -> r.parameters(p -> p.fromQuery(
                                                "listId",
                                                b.table("lists").select("id").where(b.eq("name", "public"))))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.eq("list_id", bucket.param("listId"))))))),
                of(
                        "parameter-query-comparing-a-bucket-parameter",
                        LIVE,
                        List.of(LintCode.PARAMETER_MISPLACED),
                        b -> b.rule(
                                "sharedLists",
                                r -> r.parameters(p -> p.fromActor("me")
                                                .fromQuery(
                                                        "listId",
                                                        b.table("list_members")
                                                                .select("list_id")
                                                                .where(b.and(
                                                                        b.eq("user_id", p.actorId()),
                                                                        b.eq("user_id", bucketParam("me"))))))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.and(
                                                        b.eq("list_id", bucket.param("listId")),
                                                        b.eq("title", bucket.param("me")))))))),
                of(
                        "parameter-query-without-select",
                        LIVE,
                        List.of(LintCode.PARAMETER_QUERY_WITHOUT_SELECT),
                        b -> b.rule(
                                "sharedLists",
                                r -> r.parameters(p -> p.fromQuery(
                                                "listId",
                                                b.table("list_members").where(b.eq("user_id", p.actorId()))))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.eq("list_id", bucket.param("listId"))))))),
                of(
                        "parameter-unused",
                        LIVE,
                        List.of(LintCode.PARAMETER_UNUSED),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId").fromClaim("org", "org_id"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.eq("owner_id", bucket.param("ownerId"))))))),
                of(
                        "unknown-parameter",
                        LIVE,
                        List.of(LintCode.UNKNOWN_PARAMETER, LintCode.PARAMETER_UNUSED),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.eq("owner_id", bucket.param("owner"))))))),
                of(
                        "rule-without-parameters-is-not-implicitly-global",
                        LIVE,
                        List.of(LintCode.IMPLICIT_GLOBAL),
                        b -> b.rule(
                                "allNotes",
                                r -> r.data(bucket -> List.of(
                                        b.table("notes").columns("id", "body").where(b.isNotNull("body")))))),
                of(
                        "global-rule-with-parameters",
                        LIVE,
                        List.of(LintCode.GLOBAL_WITH_PARAMETERS),
                        b -> b.rule(
                                "myNotes",
                                r -> r.global()
                                        .parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.eq("owner_id", bucket.param("ownerId"))))))),
                of(
                        "actor-value-in-a-data-query",
                        LIVE,
                        List.of(LintCode.ACTOR_VALUE_IN_DATA_QUERY),
                        b -> b.rule(
                                "myNotes",
                                r -> r.global()
                                        .data(bucket -> List.of(
                                                b.table("notes").columns("id").where(b.eq("owner_id", actorId())))))),
                of(
                        "unknown-table-column-and-no-primary-key",
                        LintOptions.against(dev.nizhal.domain.schema.SchemaDescription.of(List.of(
                                Fixtures.table("notes", List.of("id"), "id text", "owner_id text"),
                                Fixtures.table("log", List.of(), "line text", "owner_id text")))),
                        List.of(LintCode.UNKNOWN_COLUMN, LintCode.UNKNOWN_TABLE, LintCode.NO_PRIMARY_KEY),
                        b -> b.rule(
                                "myNotes",
                                r -> r.parameters(p -> p.fromActor("ownerId"))
                                        .data(bucket -> List.of(
                                                b.table("notes")
                                                        .columns("id", "title")
                                                        .where(b.eq("owner_id", bucket.param("ownerId"))),
                                                b.table("gone")
                                                        .columns("id")
                                                        .where(b.eq("owner_id", bucket.param("ownerId"))),
                                                b.table("log")
                                                        .columns("line")
                                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))),
                of(
                        "declared-key-is-not-the-primary-key",
                        LIVE,
                        List.of(LintCode.PRIMARY_KEY_MISMATCH, LintCode.KEY_INCONSISTENT),
                        b -> b.rule(
                                        "myNotes",
                                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                                .data(bucket -> List.of(b.table("notes")
                                                        .key("body")
                                                        .columns("id")
                                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                                .rule(
                                        "otherNotes",
                                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                                .data(bucket -> List.of(b.table("notes")
                                                        .key("id")
                                                        .columns("id")
                                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))),
                of(
                        "boolean-parameter-into-a-uuid-column",
                        LIVE,
                        List.of(LintCode.PARAMETER_TYPE_MISMATCH),
                        b -> b.rule(
                                "doneTodos",
                                r -> r.parameters(p -> p.fromQuery(
                                                "flag",
                                                b.table("todos").select("done").where(b.eq("title", p.actorId()))))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.eq("id", bucket.param("flag"))))))),
                of(
                        "parameter-of-an-unsupported-type",
                        LIVE,
                        List.of(LintCode.UNSUPPORTED_PARAMETER_TYPE),
                        b -> b.rule(
                                "byDay",
                                r -> r.parameters(p -> p.fromClaim("day", "day"))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.eq("due", bucket.param("day"))))))),
                of(
                        "claim-while-several-issuers-are-configured",
                        LIVE.issuers(2),
                        List.of(LintCode.CLAIM_WITH_SEVERAL_ISSUERS),
                        b -> b.rule(
                                "teamNotes",
                                r -> r.parameters(p -> p.fromClaim("team", "team_id"))
                                        .data(bucket -> List.of(b.table("notes")
                                                .columns("id")
                                                .where(b.eq("owner_id", bucket.param("team"))))))),
                of(
                        "constants-that-cannot-match",
                        LIVE,
                        List.of(
                                LintCode.NULL_CONSTANT,
                                LintCode.EMPTY_IN,
                                LintCode.CONSTANT_TYPE_MISMATCH,
                                LintCode.CONSTANT_TYPE_MISMATCH,
                                LintCode.CONSTANT_TYPE_MISMATCH,
                                LintCode.COMPARISON_TYPE),
                        b -> b.rule(
                                "todos",
                                r -> r.parameters(p -> p.fromActor("listId"))
                                        .data(bucket -> List.of(b.table("todos")
                                                .columns("id")
                                                .where(b.and(
                                                        b.eq("list_id", bucket.param("listId")),
                                                        b.eq("title", null),
                                                        b.in("position"),
                                                        b.eq("done", "yes"),
                                                        b.gt("position", Instant.EPOCH),
                                                        b.lt("title", new BigDecimal("2")))))))),
                of(
                        "structure-mistakes",
                        LintOptions.withoutSchema(),
                        List.of(
                                LintCode.INVALID_NAME,
                                LintCode.INVALID_NAME,
                                LintCode.DUPLICATE_TABLE_IN_RULE,
                                LintCode.DUPLICATE_RULE,
                                LintCode.NO_DATA_QUERIES,
                                LintCode.DUPLICATE_PARAMETER),
                        b -> b.rule(
                                        "my notes",
                                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                                .data(bucket -> List.of(
                                                        b.table("notes")
                                                                .columns("id")
                                                                .where(b.eq("owner_id", bucket.param("ownerId"))),
                                                        b.table("notes")
                                                                .columns("id")
                                                                .where(b.eq("owner_id", bucket.param("ownerId"))))))
                                .rule("my notes", r -> r.global())
                                .rule(
                                        "twice",
                                        r -> r.parameters(p -> p.fromActor("a").fromActor("a"))
                                                .data(bucket -> List.of(b.table("notes")
                                                        .columns("id")
                                                        .where(b.eq("owner_id", bucket.param("a"))))))),
                of(
                        "warnings",
                        LIVE,
                        List.of(
                                LintCode.NO_COLUMN_ALLOWLIST,
                                LintCode.GLOBAL_PERSONAL_COLUMN,
                                LintCode.MANY_BUCKETS_POSSIBLE),
                        b -> b.rule(
                                        "everything",
                                        r -> r.global()
                                                .data(bucket -> List.of(
                                                        b.table("announcements").where(b.eq("published", true)))))
                                .rule(
                                        "pairs",
                                        r -> r.parameters(p -> p.fromQuery(
                                                                "listId",
                                                                b.table("list_members")
                                                                        .select("list_id")
                                                                        .where(b.eq("user_id", p.actorId())))
                                                        .fromQuery(
                                                                "otherList",
                                                                b.table("list_members")
                                                                        .select("list_id")
                                                                        .where(b.eq("user_id", p.actorId()))))
                                                .data(bucket -> List.of(b.table("todos")
                                                        .columns("id")
                                                        .where(b.and(
                                                                b.eq("list_id", bucket.param("listId")),
                                                                b.eq("position", bucket.param("otherList")))))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachMistakeIsReportedWithItsCode(
            String name,
            LintOptions options,
            List<LintCode> expected,
            java.util.function.Consumer<SyncRules.Builder> def) {
        LintReport report = RulesLinter.lint(SyncRules.define(def), options);

        assertThat(codes(report)).containsExactlyInAnyOrderElementsOf(expected);
        Snapshot.assertMatches("lint/" + name + ".txt", report.render());
    }

    private static Arguments of(
            String name,
            LintOptions options,
            List<LintCode> expected,
            java.util.function.Consumer<SyncRules.Builder> definition) {
        return Arguments.of(name, options, expected, definition);
    }

    private static dev.nizhal.domain.rules.Operand bucketParam(String name) {
        return new dev.nizhal.domain.rules.Operand.ParamRef(name);
    }

    private static dev.nizhal.domain.rules.Operand actorId() {
        return dev.nizhal.domain.rules.Operand.ActorValue.ID;
    }

    private static List<LintCode> codes(LintReport report) {
        return report.findings().stream().map(LintFinding::code).toList();
    }
}
