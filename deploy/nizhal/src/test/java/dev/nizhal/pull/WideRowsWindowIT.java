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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A window of wide changed rows at the largest limit: a response ends at about 4 MiB of rows, as an initial load's
 * pages do, and the next pull goes on from just before the first change it left out, so every change still arrives.
 * The changes of two tables alternate in the log, so a response that ends inside one table's keys must also end the
 * other's there.
 */
@ExtendWith(PostgresExtension.class)
class WideRowsWindowIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        nizhal = WideRows.library(db, "'short ' || i");
    }

    @Test
    void aWindowOfWideRowsEndsAtTheSizeBoundAndDeliversEveryChange() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-reader", "library");
        client.sync(5_000, 10);
        assertThat(client.rows("docs")).hasSize(DOCS);

        // each doc grows to 300,000 characters of its own letter in a transaction of its own, each followed by a
        // tag's change, so the log alternates between the tables; one doc is deleted and one added on the way
        for (int i = 1; i <= DOCS; i++) {
            sql(
                    db,
                    "update docs set body = repeat(chr(" + (65 + i % 26) + "), " + DOC_CHARS + ") where id = 'd"
                            + "%03d".formatted(i) + "'");
            if (i <= TAGS) {
                sql(db, "update tags set label = 'tag " + i + " v2' where id = 't%03d'".formatted(i));
            }
            if (i == 30) {
                sql(db, "delete from docs where id = 'd005'");
                sql(db, "insert into docs values ('d999', repeat('z', " + DOC_CHARS + "))");
            }
        }

        List<PullResponse> responses = client.sync(5_000, 100);

        WideRows.eachWithinTheBound(responses);
        assertThat(responses.getFirst().changes()).hasSizeBetween(2, DOCS);

        assertThat(client.rows("docs")).isEqualTo(WideRows.table(db, "docs", "body"));
        assertThat(client.rows("tags")).isEqualTo(WideRows.table(db, "tags", "label"));
        assertThat(client.rows("docs")).doesNotContainKey("d005").containsKey("d999");
        assertThat(client.rows("tags").get("t050")).containsEntry("label", "tag 50 v2");
    }
}
