package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.service.PullDefect;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An initial load of wide rows at the largest limit: its pages end at about 4 MiB of rows (the pull's bound on a
 * response's load pages), not at 5,000 rows, and the load still delivers every row exactly, then the next table's.
 */
@ExtendWith(PostgresExtension.class)
class WideRowsLoadIT {
    private static final int DOCS = 60;
    private static final int DOC_CHARS = 300_000;
    private static final int TAGS = 50;
    /** The pull's bound on the rows of a response (PullChangesService.MAX_ROW_BYTES). */
    private static final long BOUND = 4L * 1024 * 1024;

    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, """
                create table docs(id text primary key, body text not null);
                create table tags(id text primary key, label text not null);
                """);
        // 60 rows of 300,000 characters each (18 MB), each of its own letter; then 50 narrow rows
        sql(
                db,
                "insert into docs select 'd' || lpad(i::text, 3, '0'), repeat(chr(65 + i % 26), " + DOC_CHARS + ")"
                        + " from generate_series(1, " + DOCS + ") i");
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
        nizhal = SeedDatabase.engine(db, rules, null, PullDefect.NONE);
    }

    @Test
    void pagesOfWideRowsEndAtTheSizeBoundAndTheLoadDeliversEveryRow() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-reader", "library");

        List<PullResponse> responses = client.sync(5_000, 100);

        long each = new RowSource.Row("d001", null, Map.of("id", "d001", "body", "x".repeat(DOC_CHARS))).size();
        for (PullResponse response : responses) {
            long size = response.changes().stream()
                    .map(change -> (Upsert) change)
                    .mapToLong(u -> new RowSource.Row(u.key(), null, u.row()).size())
                    .sum();
            // the row that reaches the bound is a page's last
            assertThat(size).as("the rows of one response").isLessThan(BOUND + each);
        }
        // about 14 wide rows a response: the 60 took several responses, none of them the 5,000 rows asked for
        assertThat(responses).hasSizeGreaterThanOrEqualTo((int) (DOCS * each / (BOUND + each)) + 1);
        assertThat(responses.getFirst().changes()).hasSizeBetween(2, DOCS - 1);
        assertThat(responses.getFirst().hasMore()).isTrue();

        Map<String, Map<String, Object>> docs = client.rows("docs");
        assertThat(docs).hasSize(DOCS);
        for (int i = 1; i <= DOCS; i++) {
            String body = (String) docs.get("d%03d".formatted(i)).get("body");
            assertThat(body).hasSize(DOC_CHARS);
            assertThat(body.chars().distinct()).containsExactly(65 + i % 26);
        }
        assertThat(client.rows("tags")).hasSize(TAGS);
        assertThat(responses.getLast().loadedBuckets()).containsExactly("library[]");

        sql(db, "update docs set body = 'short now' where id in ('d007', 'd042')");
        client.sync(5_000, 10);
        assertThat(client.rows("docs").get("d007")).containsEntry("body", "short now");
        assertThat(client.rows("docs").get("d042")).containsEntry("body", "short now");
        assertThat(client.rows("docs")).hasSize(DOCS);
    }
}
