package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The seed's example through the Java API: two actors, each pulls only its own notes. */
@ExtendWith(PostgresExtension.class)
class SeedExamplePullIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        nizhal = SeedDatabase.create(db);
    }

    @Test
    void insertsUpdatesDeletesAndAMoveReachBothActorsCorrectly() {
        SyncTestClient alice = new SyncTestClient(nizhal, Actor.of("alice"), "c-alice", "myNotes");
        SyncTestClient bob = new SyncTestClient(nizhal, Actor.of("bob"), "c-bob", "myNotes");
        sql(
                db,
                "insert into notes(id, body, owner_id) values ('a1', 'hi', 'alice'), ('a2', 'yo', 'alice'),"
                        + " ('b1', 'hey', 'bob'), ('x1', 'nobody', null)");

        PullResponse first = alice.sync().getLast();
        bob.sync();

        assertThat(first.buckets()).containsExactly("myNotes[\"alice\"]");
        assertThat(alice.held()).containsExactly("myNotes[\"alice\"]");
        assertThat(alice.keys("notes")).containsExactly("a1", "a2");
        assertThat(alice.rows("notes").get("a1")).containsEntry("body", "hi").containsEntry("owner_id", "alice");
        assertThat(alice.buckets("notes").get("a1")).containsExactly("myNotes[\"alice\"]");
        assertThat(bob.keys("notes")).containsExactly("b1");

        sql(
                db,
                "update notes set body = 'hello' where id = 'a1'; delete from notes where id = 'a2';"
                        + " insert into notes(id, body, owner_id) values ('a3', 'new', 'alice');"
                        + " update notes set owner_id = 'bob' where id = 'a3'");
        sql(db, "update notes set owner_id = 'bob' where id = 'a1'");
        alice.sync();
        bob.sync();

        assertThat(alice.keys("notes")).isEmpty();
        assertThat(bob.keys("notes")).containsExactly("a1", "a3", "b1");
        assertThat(bob.rows("notes").get("a1")).containsEntry("body", "hello").containsEntry("owner_id", "bob");
        assertThat(bob.buckets("notes").get("a3")).containsExactly("myNotes[\"bob\"]");

        sql(db, "update notes set owner_id = 'alice' where id = 'a3'");
        PullResponse aliceAgain = alice.sync().getLast();
        PullResponse bobAgain = bob.sync().getLast();

        assertThat(alice.keys("notes")).containsExactly("a3");
        assertThat(bob.keys("notes")).containsExactly("a1", "b1");
        assertThat(aliceAgain.hasMore()).isFalse();
        assertThat(bobAgain.lastMutationId()).isZero();
    }

    @Test
    void aNewUserWithNoRowsAndAUserWithEmptyListsDrainAndHoldTheirBucketsWithoutLoadingTwice() {
        sql(
                db,
                "insert into lists values (101, 'empty one', 'carol'), (102, 'empty two', 'carol');"
                        + " insert into list_members values (101, 'carol'), (102, 'carol')");
        SyncTestClient newcomer = new SyncTestClient(nizhal, Actor.of("newcomer"), "c-new", "myNotes");
        SyncTestClient carol = new SyncTestClient(nizhal, Actor.of("carol"), "c-carol", "sharedLists");

        List<PullResponse> newcomerPulls = newcomer.sync();
        List<PullResponse> carolPulls = carol.sync();
        PullResponse newcomerAgain = newcomer.pull(1000);
        PullResponse carolAgain = carol.pull(1000);

        assertThat(newcomerPulls).hasSize(1);
        assertThat(newcomerPulls.getFirst().loadedBuckets()).containsExactly("myNotes[\"newcomer\"]");
        assertThat(newcomer.held()).containsExactly("myNotes[\"newcomer\"]");
        assertThat(carolPulls).hasSize(1);
        assertThat(carol.held()).containsExactly("sharedLists[101]", "sharedLists[102]");
        assertThat(carol.keys("lists")).containsExactly("101", "102");
        assertThat(carol.keys("todos")).isEmpty();
        assertThat(newcomerAgain.loadedBuckets()).isEmpty();
        assertThat(newcomerAgain.changes()).isEmpty();
        assertThat(newcomerAgain.hasMore()).isFalse();
        assertThat(carolAgain.loadedBuckets()).isEmpty();
        assertThat(carolAgain.changes()).isEmpty();
    }

    @Test
    void aClientFilterServesOnlyRequestedGrantedBucketsAndNeverGrants() {
        sql(
                db,
                "insert into lists values (201, 'd1', 'dave'), (202, 'd2', 'dave'), (203, 'other', 'erin');"
                        + " insert into list_members values (201, 'dave'), (202, 'dave'), (203, 'erin');"
                        + " insert into todos(id, list_id, title) values"
                        + " ('00000000-0000-0000-0000-000000000201', 201, 't201'),"
                        + " ('00000000-0000-0000-0000-000000000203', 203, 't203')");
        SyncTestClient dave = new SyncTestClient(nizhal, Actor.of("dave"), "c-dave", "sharedLists");
        dave.filter("[{\"listId\": 201}, {\"listId\": \"203\"}]");

        PullResponse response = dave.sync().getLast();

        assertThat(response.buckets()).containsExactly("sharedLists[201]");
        assertThat(dave.keys("lists")).containsExactly("201");
        assertThat(dave.keys("todos")).containsExactly("00000000-0000-0000-0000-000000000201");

        dave.filter("[{\"listId\": \"202\"}]");
        PullResponse narrowed = dave.sync().getLast();

        assertThat(narrowed.buckets()).containsExactly("sharedLists[202]");
        assertThat(dave.keys("lists")).containsExactly("202");
        assertThat(dave.keys("todos")).isEmpty();
        assertThat(dave.held()).containsExactly("sharedLists[202]");
    }
}
