package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** P3: a transaction that commits after later-started ones is still delivered, whatever the paging. */
@ExtendWith(PostgresExtension.class)
class CommitOrderIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        nizhal = SeedDatabase.create(db);
    }

    @Test
    void aTransactionThatInsertedFirstAndCommitsLastIsInTheNextPull() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("p3"), "c-p3", "myNotes");
        client.sync();
        try (Handle t1 = db.jdbi().open()) {
            t1.begin();
            t1.execute("insert into notes(id, body, owner_id) values ('t1', 'first in, last out', 'p3')");
            for (int i = 2; i <= 10; i++) {
                sql(db, "insert into notes(id, body, owner_id) values ('t" + i + "', 'x', 'p3')");
            }
            client.sync();
            assertThat(client.keys("notes")).hasSize(9).doesNotContain("t1");
            t1.commit();
        }

        PullResponse next = client.sync().getLast();

        assertThat(client.keys("notes")).hasSize(10).contains("t1");
        assertThat(next.hasMore()).isFalse();
    }

    @Test
    void anInFlightTransactionBelowThePagePositionCommittingBetweenPagesArrivesInTheNextWindow() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("paged"), "c-paged", "myNotes");
        client.sync();
        try (Handle t1 = db.jdbi().open()) {
            t1.begin();
            t1.execute("insert into notes(id, body, owner_id) values ('pg-early', 'in flight', 'paged')");
            for (int i = 0; i < 6; i++) {
                sql(db, "insert into notes(id, body, owner_id) values ('pg-" + i + "', 'x', 'paged')");
            }
            PullResponse firstPage = client.pull(2);
            assertThat(firstPage.hasMore()).isTrue();
            assertThat(firstPage.changes()).hasSize(2);
            t1.commit();
        }

        client.sync(2, 50);

        assertThat(client.keys("notes")).hasSize(7).contains("pg-early");
    }

    @Test
    void aPreparedTransactionCommittedLateArrives(TestDatabase database) {
        database.requireTwoPhaseCommit();
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("twophase"), "c-2pc", "myNotes");
        client.sync();
        try (Handle prepared = db.jdbi().open()) {
            // plain statements in autocommit mode, so that the driver keeps out of the two-phase protocol
            prepared.execute("begin");
            prepared.execute("insert into notes(id, body, owner_id) values ('2pc', 'prepared', 'twophase')");
            prepared.execute("prepare transaction 'nizhal_test_2pc'");
        }
        sql(db, "insert into notes(id, body, owner_id) values ('after', 'x', 'twophase')");
        client.sync();
        assertThat(client.keys("notes")).containsExactly("after");
        sql(db, "commit prepared 'nizhal_test_2pc'");

        client.sync();

        assertThat(client.keys("notes")).containsExactly("2pc", "after");
    }
}
