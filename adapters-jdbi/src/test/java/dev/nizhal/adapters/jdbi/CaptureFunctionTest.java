package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.CaptureFunction.Event;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.domain.sql.SqlFragment;
import dev.nizhal.domain.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The generated SQL's shape; that it runs and captures what it should is {@code JdbiCaptureTriggersIT}'s job. */
class CaptureFunctionTest {

    // stands in for the database's quote_literal in a test without a database; production never quotes by hand
    private static final UnaryOperator<String> QUOTE = v -> "'" + v.replace("'", "''") + "'";

    private static final CompiledRules SEED = SqlCompiler.compile(Fixtures.seedRules(), Fixtures.seedSchema());

    @Test
    void functionNamesAreReadableDistinctAndFitPostgresIdentifiers() {
        String longName = "t".repeat(40) + "é".repeat(20);

        assertThat(CaptureFunction.functionName(new TableName("public", "notes")))
                .matches("capture_notes_[0-9a-f]{8}");
        assertThat(CaptureFunction.functionName(new TableName("sales", "orders")))
                .matches("capture_sales\\.orders_[0-9a-f]{8}");
        assertThat(CaptureFunction.functionName(new TableName("a_b", "c")))
                .isNotEqualTo(CaptureFunction.functionName(new TableName("a", "b_c")));
        assertThat(CaptureFunction.functionName(new TableName("public", longName))
                        .getBytes(StandardCharsets.UTF_8))
                .hasSizeLessThanOrEqualTo(63);
        assertThat(CaptureFunction.functionName(new TableName("public", longName)))
                .isNotEqualTo(CaptureFunction.functionName(new TableName("public", longName + "x")));
    }

    @Test
    void theFunctionInlinesConstantsAndLogsEveryCollectionOfTheTableUnderItsName() {
        CompiledCollection announcements = SEED.rule("announcements")
                .orElseThrow()
                .collection("announcements")
                .orElseThrow();

        CaptureFunction function =
                CaptureFunction.of(new TableName("public", "announcements"), List.of(announcements), List.of(), QUOTE);

        assertThat(function.source())
                .contains("cast('true' as \"pg_catalog\".\"bool\")")
                .doesNotContain(":r2_c0")
                .contains("select g.bucket, 'announcements', s.pks")
                .contains("values ('truncate:announcements', 'announcements', '{*}')")
                .contains("from nizhal_new as t where")
                .contains("from nizhal_old as t where")
                // an update reads only the old rows whose key or read columns changed
                // compared as text in collation "C": equal only when identical, whatever the column's collation
                .contains("and not exists (select from (select cast(t.\"id\" as text) as nizhal_key,"
                        + " cast(t.\"id\" as pg_catalog.text) collate pg_catalog.\"C\" as c0,"
                        + " cast(t.\"published\" as pg_catalog.text) collate pg_catalog.\"C\" as c1")
                .contains("where n.nizhal_key = cast(t.\"id\" as text) collate pg_catalog.\"C\" and")
                // the constant bucket key reads no column: computed per row and grouped on
                .contains("as k group by k.bucket")
                // an update's two sides are grouped apart and joined on the bucket
                .contains("full join (")
                .contains("where g.bucket is not null and cardinality(g.pks) > 1000");
        assertThat(function.createFunction())
                .startsWith("create function nizhal.\"" + function.name() + "\"() returns trigger")
                .contains("security definer", "set search_path = pg_catalog, pg_temp", "set \"TimeZone\" = 'UTC'")
                .endsWith("as $nizhal$" + function.source() + "$nizhal$");
    }

    @Test
    void theColumnsAFragmentReadsAreItsQuotedColumnsOfTheRowAndNoneWhenItReadsTheWholeRow() {
        assertThat(CaptureFunction.columnsRead(List.of(
                        "('myNotes[' || to_jsonb(cast(t.\"owner_id\" as text))::text || ']')",
                        "cast(t.\"id\" as text)",
                        "t.\"owner_id\" is not null and t.\"a\"\"b\" = 't.\"x\"' and s.t = 1")))
                .containsExactly("\"owner_id\"", "\"id\"", "\"a\"\"b\"");
        assertThat(CaptureFunction.columnsRead(List.of("cast(t.\"id\" as text)", "to_jsonb(t) ? 'x'")))
                .isEmpty();
        assertThat(CaptureFunction.columnsRead(List.of("cast(t.\"id\" as text)", "(t).\"id\" is not null")))
                .isEmpty();
        assertThat(CaptureFunction.columnsRead(
                        List.of("cast(t.\"id\" as text)", "exists (select from \"public\".\"l\" as t where t.\"x\")")))
                .isEmpty();
    }

    @Test
    void anApostropheInAQuotedIdentifierIsNoStringLiteral() {
        // a type (or schema) named "it's" in a cast: the column after it is still read
        assertThat(CaptureFunction.columnsRead(List.of(
                        "cast(t.\"id\" as text)",
                        "t.\"kind\" = cast('a' as \"public\".\"it's\") and t.\"published\" = true and t.\"x\" = 'b'")))
                .containsExactly("\"id\"", "\"kind\"", "\"published\"", "\"x\"");
        // a column named it's: read as itself, never as a mangled name
        assertThat(CaptureFunction.columnsRead(
                        List.of("cast(t.\"id\" as text)", "t.\"it's\" = true and t.\"published\" = 'y'")))
                .containsExactly("\"id\"", "\"it's\"", "\"published\"");
        // a string literal holding a double quote does not open an identifier
        assertThat(CaptureFunction.columnsRead(List.of("t.\"a\" = 'say \"hi' and t.\"b\" = 'x''\"'")))
                .containsExactly("\"a\"", "\"b\"");
    }

    @Test
    void bucketsOfPlainColumnsAreComputedPerGroupAndOnlyTheSearchPathIsPinned() {
        CompiledCollection notes =
                SEED.rule("myNotes").orElseThrow().collection("notes").orElseThrow();
        TableName table = new TableName("public", "notes");

        CaptureFunction plain =
                CaptureFunction.of(table, List.of(notes), List.of(), Set.of("\"id\"", "\"owner_id\""), QUOTE);
        CaptureFunction ownerNotPlain = CaptureFunction.of(table, List.of(notes), List.of(), Set.of("\"id\""), QUOTE);

        assertThat(plain.source())
                // grouped by the value and by its text in collation "C" (safe if the column's type changes), the
                // bucket key computed per group; no alias that a column of the table could shadow
                .contains(" as bucket, array_agg(cast(t.\"id\" as text)) as pks from nizhal_new as t"
                        + " where t.\"owner_id\" is not null and cast(t.\"id\" as text) is not null"
                        + " group by t.\"owner_id\", cast(t.\"owner_id\" as pg_catalog.text) collate pg_catalog.\"C\"")
                .doesNotContain("nizhal_pks")
                // an update groups its old rows too, without an anti-join on the new ones; equal key arrays of a
                // bucket of both sides are taken as they are
                .contains("array_agg(cast(t.\"id\" as text)) as pks from nizhal_old as t"
                        + " where t.\"owner_id\" is not null and cast(t.\"id\" as text) is not null group by")
                .doesNotContain("not exists")
                .contains("when n.pks = o.pks then n.pks else array(select distinct u.key")
                // a statement of at most one row: its key in an array, without aggregation (an update: both sides
                // grouped by bucket)
                // looking for a second row reads no further (an update: a third of its two sides together)
                .contains("perform from nizhal_new offset 1 limit 1;\n        if not found then")
                .contains("perform from nizhal_old offset 1 limit 1;")
                .contains("perform from (select * from nizhal_old union all select * from nizhal_new) as r offset 2"
                        + " limit 1;")
                .contains(" as bucket, array[cast(t.\"id\" as text)] as pks from nizhal_new as t where")
                .contains("select k.bucket, array_agg(distinct k.key) as pks from (select");
        assertThat(plain.settings()).containsExactly("search_path=pg_catalog, pg_temp");
        assertThat(plain.createFunction())
                .contains("set search_path = pg_catalog, pg_temp")
                .doesNotContain("TimeZone");
        assertThat(ownerNotPlain.source())
                .doesNotContain("group by t.\"owner_id\"")
                // the bucket key per row: an update skips the old rows whose read columns are unchanged
                .contains("and not exists (select from (select cast(t.\"id\" as text) as nizhal_key,")
                .contains("group by k.bucket");
        assertThat(ownerNotPlain.settings()).isEqualTo(CaptureFunction.SETTINGS);
    }

    @Test
    void aBodyHoldingTheDollarQuoteGetsAnotherOne() {
        CompiledCollection notes =
                SEED.rule("myNotes").orElseThrow().collection("notes").orElseThrow();
        CompiledCollection quoted = new CompiledCollection(
                notes.index(),
                notes.name(),
                notes.table(),
                notes.key(),
                notes.columns(),
                notes.bucketKey(),
                new SqlFragment("t.\"body\" <> :c", Map.of("c", "$nizhal$")),
                notes.rowKey(),
                notes.changedRows(),
                notes.firstPage(),
                notes.nextPage());

        CaptureFunction function =
                CaptureFunction.of(new TableName("public", "notes"), List.of(quoted), List.of(), QUOTE);

        assertThat(function.createFunction()).endsWith("as $nizhal1$" + function.source() + "$nizhal1$");
    }

    @Test
    void aRuntimeParameterInACaptureFragmentIsACompilerBugNotSilentlyKept() {
        CompiledCollection notes =
                SEED.rule("myNotes").orElseThrow().collection("notes").orElseThrow();
        CompiledCollection unbound = new CompiledCollection(
                notes.index(),
                notes.name(),
                notes.table(),
                notes.key(),
                notes.columns(),
                notes.bucketKey(),
                SqlFragment.of("t.\"owner_id\" = :actor_id"),
                notes.rowKey(),
                notes.changedRows(),
                notes.firstPage(),
                notes.nextPage());

        assertThatThrownBy(
                        () -> CaptureFunction.of(new TableName("public", "notes"), List.of(unbound), List.of(), QUOTE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(":actor_id");
    }

    @Test
    void grantCapturesLogGrantKeysWithoutRowKeys() {
        CompiledRules.GrantCapture members = SEED.grantCaptures().getFirst();

        CaptureFunction function =
                CaptureFunction.of(new TableName("public", "list_members"), List.of(), List.of(members), QUOTE);

        assertThat(function.source())
                .contains("'grant:sharedLists[' || to_jsonb(cast(t.\"user_id\" as text))::text || ']'")
                .contains("select distinct g.bucket, 'list_members', cast('{}' as text[])")
                .doesNotContain("array_agg");
    }

    @Test
    void triggersAreStatementLevelAfterTriggersWithTransitionTablesEnabledAlways() {
        CaptureFunction function = CaptureFunction.of(
                new TableName("public", "notes"),
                List.of(SEED.rule("myNotes").orElseThrow().collection("notes").orElseThrow()),
                List.of(),
                QUOTE);
        TableName partition = new TableName("public", "notes_2026");

        assertThat(function.createTrigger(Event.UPDATE, partition))
                .isEqualTo("create trigger \"nizhal_capture_update\" after update on \"public\".\"notes_2026\""
                        + " referencing old table as nizhal_old new table as nizhal_new for each statement"
                        + " execute function nizhal.\"" + function.name() + "\"()");
        assertThat(function.createTrigger(Event.TRUNCATE, partition)).doesNotContain("referencing");
        assertThat(CaptureFunction.enableAlways(Event.INSERT, partition))
                .isEqualTo(
                        "alter table only \"public\".\"notes_2026\" enable always trigger \"nizhal_capture_insert\"");
    }
}
