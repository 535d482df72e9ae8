package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static dev.nizhal.pull.WideRows.DOCS;
import static dev.nizhal.pull.WideRows.DOC_CHARS;
import static dev.nizhal.pull.WideRows.TAGS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An initial load of wide rows at the largest limit: its pages end at about 4 MiB of rows (the pull's bound on the
 * rows of a response), not at 5,000 rows, and the load still delivers every row exactly, then the next table's.
 */
@ExtendWith(PostgresExtension.class)
class WideRowsLoadIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        // 60 docs of 300,000 characters each (18 MB), each of its own letter; then 50 narrow tags
        nizhal = WideRows.library(db, "repeat(chr(65 + i % 26), " + DOC_CHARS + ")");
    }

    @Test
    void pagesOfWideRowsEndAtTheSizeBoundAndTheLoadDeliversEveryRow() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-reader", "library");

        List<PullResponse> responses = client.sync(5_000, 100);

        WideRows.eachWithinTheBound(responses);
        assertThat(responses.getFirst().changes()).hasSizeBetween(2, DOCS - 1);

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
