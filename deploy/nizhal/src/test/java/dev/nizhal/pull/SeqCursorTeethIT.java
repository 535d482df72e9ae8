package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.fixtures.SeedDatabase;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * P3's scenario has teeth: a reader that follows the change log with a {@code seq >} cursor (identity values are
 * assigned at insert, transactions commit in another order) loses the transaction that inserted first and committed
 * last, while the snapshot cursor delivers it.
 */
@ExtendWith(PostgresExtension.class)
class SeqCursorTeethIT {

    /** The naive reader: entries of one bucket with a sequence number above the last one seen. */
    private static final class SeqCursorReader {
        private long lastSeq;
        private final List<String> keys = new ArrayList<>();

        void pull(TestDatabase db, String bucket) {
            db.jdbi()
                    .useHandle(h -> h.createQuery("select seq, pks from nizhal.change_log where bucket = :b"
                                    + " and seq > :last order by seq")
                            .bind("b", bucket)
                            .bind("last", lastSeq)
                            .map((rs, ctx) -> {
                                lastSeq = Math.max(lastSeq, rs.getLong("seq"));
                                keys.addAll(
                                        List.of((String[]) rs.getArray("pks").getArray()));
                                return null;
                            })
                            .list());
        }
    }

    @Test
    void aSeqCursorLosesTheTransactionThatInsertedFirstAndCommittedLastWhileTheSnapshotCursorDoesNot(TestDatabase db) {
        Nizhal nizhal = SeedDatabase.create(db);
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("seq"), "c-seq", "myNotes");
        SeqCursorReader naive = new SeqCursorReader();
        client.sync();
        try (Handle first = db.jdbi().open()) {
            first.begin();
            first.execute("insert into notes(id, body, owner_id) values ('first', 'x', 'seq')");
            sql(db, "insert into notes(id, body, owner_id) values ('second', 'x', 'seq')");
            naive.pull(db, "myNotes[\"seq\"]");
            client.sync();
            first.commit();
        }

        naive.pull(db, "myNotes[\"seq\"]");
        client.sync();

        assertThat(naive.keys)
                .as("the seq cursor passed the first transaction's entry")
                .containsExactly("second");
        assertThat(client.keys("notes")).containsExactly("first", "second");
    }
}
