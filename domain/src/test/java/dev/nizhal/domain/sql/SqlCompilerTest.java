package dev.nizhal.domain.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.domain.rules.ParamType;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.rules.lint.LintCode;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.PgType;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.domain.testing.Snapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlCompilerTest {

    @Test
    void seedRulesCompileToTheCommittedSql() {
        CompiledRules compiled = SqlCompiler.compile(Fixtures.seedRules(), Fixtures.seedSchema());

        Snapshot.assertMatches("sql/seed-rules.txt", render(compiled));
    }

    @Test
    void parameterTypesComeFromTheWidestBoundColumn() {
        CompiledRules compiled = SqlCompiler.compile(Fixtures.seedRules(), Fixtures.seedSchema());

        assertThat(compiled.rule("myNotes").orElseThrow().params())
                .containsExactly(new CompiledRules.Param("ownerId", ParamType.TEXT));
        assertThat(compiled.rule("sharedLists").orElseThrow().params())
                .containsExactly(new CompiledRules.Param("listId", ParamType.BIGINT));
    }

    @Test
    void constantsAreBindParametersAndIdentifiersAreQuoted() {
        SyncRules rules = SyncRules.define(b -> b.rule(
                "published",
                r -> r.global()
                        .data(bucket -> List.of(b.table("announcements")
                                .columns("id", "title")
                                .where(b.eq("title", "x'); drop table notes; --"))))));

        CompiledCollection c = SqlCompiler.compile(rules, Fixtures.seedSchema())
                .rule("published")
                .orElseThrow()
                .collections()
                .getFirst();

        assertThat(c.rowMatches().sql()).isEqualTo("t.\"title\" = cast(:r0_c0 as \"pg_catalog\".\"text\")");
        assertThat(c.rowMatches().constants()).containsExactly(Map.entry("r0_c0", "x'); drop table notes; --"));
        assertThat(c.firstPage().sql()).doesNotContain("drop table");
    }

    @Test
    void keysAndFiltersOfATypeWithOperatorsOutsidePgCatalogCompareWithThoseOperators() {
        PgType citext = new PgType("ext", "citext", 'S', "ext");
        TableSchema people = new TableSchema(
                new TableName("public", "people"),
                List.of(
                        new ColumnSchema("id", citext, false),
                        new ColumnSchema("team", citext, true),
                        new ColumnSchema("name", PgType.builtIn("text"), true)),
                List.of("id"),
                false);
        SyncRules rules = SyncRules.define(b -> b.rule(
                "people",
                r -> r.global()
                        .data(bucket -> List.of(b.table("people")
                                .columns("id", "name")
                                .where(b.and(b.eq("team", "Core"), b.in("team", "a", "b"), b.eq("name", "n")))))));

        CompiledCollection c = SqlCompiler.compile(rules, SchemaDescription.of(List.of(people)))
                .rule("people")
                .orElseThrow()
                .collections()
                .getFirst();

        assertThat(c.rowMatches().sql())
                .isEqualTo("t.\"team\" OPERATOR(\"ext\".=) cast(:r0_c0 as \"ext\".\"citext\")"
                        + " and t.\"team\" OPERATOR(\"ext\".=) any(array[cast(:r0_c1 as \"ext\".\"citext\"),"
                        + " cast(:r0_c2 as \"ext\".\"citext\")])"
                        + " and t.\"name\" = cast(:r0_c3 as \"pg_catalog\".\"text\")");
        assertThat(c.changedRows().sql())
                .contains("where t.\"id\" OPERATOR(\"ext\".=) any(cast(:keys as \"ext\".\"citext\"[]))");
        assertThat(c.nextPage().sql()).contains("t.\"id\" OPERATOR(\"ext\".>) cast(:after as \"ext\".\"citext\")");
    }

    @Test
    void aCompositeKeyWithAColumnOfSuchATypeComparesColumnByColumn() {
        PgType handle = new PgType("public", "handle", 'S', "ext");
        TableSchema tags = new TableSchema(
                new TableName("public", "tags"),
                List.of(new ColumnSchema("owner", handle, false), new ColumnSchema("n", PgType.builtIn("int4"), false)),
                List.of("owner", "n"),
                false);
        SyncRules rules = SyncRules.define(b -> b.rule(
                "tags", r -> r.global().data(bucket -> List.of(b.table("tags").columns("owner", "n")))));

        CompiledCollection c = SqlCompiler.compile(rules, SchemaDescription.of(List.of(tags)))
                .rule("tags")
                .orElseThrow()
                .collections()
                .getFirst();

        String owner = "cast(k.v ->> 0 as \"public\".\"handle\")";
        String n = "cast(k.v ->> 1 as \"pg_catalog\".\"int4\")";
        assertThat(c.changedRows().sql())
                .contains("exists (select from unnest(cast(:keys as text[])) as u(x) cross join lateral (select"
                        + " cast(u.x as jsonb) as v) as k where t.\"owner\" OPERATOR(\"ext\".=) " + owner
                        + " and t.\"n\" = " + n + ")");
        String afterOwner = "cast(cast(:after as jsonb) ->> 0 as \"public\".\"handle\")";
        String afterN = "cast(cast(:after as jsonb) ->> 1 as \"pg_catalog\".\"int4\")";
        assertThat(c.nextPage().sql())
                .contains("(t.\"owner\" OPERATOR(\"ext\".>) " + afterOwner + " or (t.\"owner\" OPERATOR(\"ext\".=) "
                        + afterOwner + " and t.\"n\" > " + afterN + "))");
    }

    @Test
    void inliningQuotesConstantsWithTheGivenQuoterOnly() {
        SqlFragment fragment = new SqlFragment("t.a = cast(:r0_c0 as int4) and t.b = :actor_id", Map.of("r0_c0", "7"));

        assertThat(fragment.inline(v -> "<" + v + ">")).isEqualTo("t.a = cast(<7> as int4) and t.b = :actor_id");
    }

    @Test
    void identifiersWithQuotesAreEscaped() {
        assertThat(SqlFragment.ident("we\"ird")).isEqualTo("\"we\"\"ird\"");
    }

    @Test
    void thePlanHashChangesWithPredicatesAllowlistsAndKeysButNotOtherwise() {
        String seed =
                SqlCompiler.compile(Fixtures.seedRules(), Fixtures.seedSchema()).planHash();
        String again =
                SqlCompiler.compile(Fixtures.seedRules(), Fixtures.seedSchema()).planHash();
        String otherColumns = SqlCompiler.compile(notes(List.of("id", "body")), Fixtures.seedSchema())
                .planHash();
        String moreColumns = SqlCompiler.compile(notes(List.of("id", "body", "updated_at")), Fixtures.seedSchema())
                .planHash();

        assertThat(again).isEqualTo(seed).hasSize(64);
        assertThat(otherColumns).isNotEqualTo(moreColumns);
    }

    @Test
    void rulesWithLinterErrorsAreNotCompiled() {
        SyncRules leaky = SyncRules.define(b -> b.rule(
                "all",
                r -> r.data(bucket -> List.of(b.table("notes").columns("id").where(b.isNotNull("body"))))));

        assertThatThrownBy(() -> SqlCompiler.compile(leaky, Fixtures.seedSchema()))
                .isInstanceOfSatisfying(
                        InvalidSyncRulesException.class,
                        e -> assertThat(e.report().errors())
                                .extracting(f -> f.code())
                                .containsExactly(LintCode.IMPLICIT_GLOBAL))
                .hasMessageContaining("IMPLICIT_GLOBAL");
    }

    private static SyncRules notes(List<String> columns) {
        return SyncRules.define(b -> b.rule(
                "myNotes",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("notes")
                                .columns(columns.toArray(String[]::new))
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));
    }

    static String render(CompiledRules compiled) {
        StringBuilder out = new StringBuilder();
        for (CompiledRule r : compiled.rules()) {
            out.append("rule ")
                    .append(r.name())
                    .append(r.global() ? " (global)" : "")
                    .append('\n');
            out.append("  params ").append(r.params()).append('\n');
            fragment(out, "grants", r.grants());
            fragment(out, "requested", r.requested());
            fragment(out, "actorGrantKeys", r.actorGrantKeys());
            for (CompiledCollection c : r.collections()) {
                out.append("  collection ").append(c.index()).append(' ').append(c.name());
                out.append(" key=")
                        .append(c.key())
                        .append(" columns=")
                        .append(c.columns())
                        .append('\n');
                fragment(out, "bucketKey", c.bucketKey());
                fragment(out, "rowMatches", c.rowMatches());
                fragment(out, "rowKey", c.rowKey());
                fragment(out, "changedRows", c.changedRows());
                fragment(out, "firstPage", c.firstPage());
                fragment(out, "nextPage", c.nextPage());
            }
        }
        for (CompiledRules.GrantCapture g : compiled.grantCaptures()) {
            out.append("grant capture ")
                    .append(g.rule())
                    .append(" on ")
                    .append(g.table())
                    .append('\n');
            fragment(out, "grantKey", g.grantKey());
            fragment(out, "rowMatches", g.rowMatches());
        }
        out.append("plan ").append(compiled.planHash()).append('\n');
        return out.toString();
    }

    private static void fragment(StringBuilder out, String name, SqlFragment f) {
        out.append("    ").append(name).append(": ").append(f.sql()).append('\n');
        if (!f.constants().isEmpty()) {
            out.append("      constants ").append(f.constants()).append('\n');
        }
    }
}
