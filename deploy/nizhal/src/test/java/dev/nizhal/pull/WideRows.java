package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.service.PullDefect;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The library of the wide-row tests: {@code docs(id, body)} with {@value #DOCS} docs and {@code tags(id, label)} with
 * {@value #TAGS} narrow tags, both in the global rule {@code library}, and the check that a pull's responses stay
 * within the pull's bound on the rows of a response.
 */
final class WideRows {
    static final int DOCS = 60;
    static final int DOC_CHARS = 300_000;
    static final int TAGS = 50;
    /** The pull's bound on the rows of a response (PullChangesService.MAX_ROW_BYTES). */
    static final long BOUND = 4L * 1024 * 1024;
    /** The size of one doc of {@value #DOC_CHARS} characters ({@link RowSource.Row#size()}). */
    static final long DOC_SIZE =
            new RowSource.Row("d001", null, Map.of("id", "d001", "body", "x".repeat(DOC_CHARS))).size();

    private WideRows() {}

    /** Creates and fills the library, docs {@code d001}... with the body {@code docBody} (SQL of {@code i}). */
    static Nizhal library(TestDatabase db, String docBody) {
        sql(db, """
                create table docs(id text primary key, body text not null);
                create table tags(id text primary key, label text not null);
                """);
        sql(
                db,
                "insert into docs select 'd' || lpad(i::text, 3, '0'), " + docBody + " from generate_series(1, " + DOCS
                        + ") i");
        sql(
                db,
                "insert into tags select 't' || lpad(i::text, 3, '0'), 'tag ' || i from generate_series(1, " + TAGS
                        + ") i");
        SyncRules rules = SyncRules.define(b -> b.rule(
                "library",
                r -> r.global()
                        .data(bucket -> List.of(
                                b.table("docs").columns("id", "body"),
                                b.table("tags").columns("id", "label")))));
        return SeedDatabase.engine(db, rules, null, PullDefect.NONE);
    }

    /**
     * Each response's rows stay under the bound plus one doc (the row that reaches the bound is a response's last),
     * and the {@value #DOCS} docs took several responses, none of them the 5,000 changes asked for (about 14 docs a
     * response).
     */
    static void eachWithinTheBound(List<PullResponse> responses) {
        for (PullResponse response : responses) {
            long size = response.changes().stream()
                    .filter(change -> change instanceof Upsert)
                    .map(change -> (Upsert) change)
                    .mapToLong(u -> new RowSource.Row(u.key(), null, u.row()).size())
                    .sum();
            assertThat(size).as("the rows of one response").isLessThan(BOUND + DOC_SIZE);
        }
        assertThat(responses).hasSizeGreaterThanOrEqualTo((int) (DOCS * DOC_SIZE / (BOUND + DOC_SIZE)) + 1);
        assertThat(responses.getFirst().hasMore()).isTrue();
    }

    /** The rows of {@code table} as a client holds them: key (its {@code id}) → {id, {@code column}}. */
    static Map<String, Map<String, Object>> table(TestDatabase db, String table, String column) {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        db.jdbi()
                .useHandle(h -> h.createQuery("select id, " + column + " from " + table)
                        .map((rs, ctx) -> Map.<String, Object>of("id", rs.getString(1), column, rs.getString(2)))
                        .forEach(row -> rows.put((String) row.get("id"), row)));
        return rows;
    }
}
