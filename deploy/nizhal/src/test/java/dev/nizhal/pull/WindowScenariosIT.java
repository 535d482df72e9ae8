package dev.nizhal.pull;

import static dev.nizhal.pull.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seven scenarios at the end of CHANGE-CAPTURE.md, each deterministic (scenario 7 is in {@link
 * SeedExamplePullIT}). Each test uses its own actor and lists so they do not disturb each other.
 */
@ExtendWith(PostgresExtension.class)
class WindowScenariosIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        nizhal = SeedDatabase.create(db);
    }

    private static String todo(int n) {
        return String.format("00000000-0000-0000-0000-%012d", n);
    }

    private static void list(long id, String member, int todos, int firstTodo) {
        StringBuilder s = new StringBuilder("insert into lists values (" + id + ", 'l" + id + "', '" + member + "');"
                + " insert into list_members values (" + id + ", '" + member + "');");
        for (int i = 0; i < todos; i++) {
            s.append(" insert into todos(id, list_id, title) values ('")
                    .append(todo(firstTodo + i))
                    .append("', ")
                    .append(id)
                    .append(", 'todo ")
                    .append(firstTodo + i)
                    .append("');");
        }
        sql(db, s.toString());
    }

    @Test
    void scenario1_aTransactionThatInsertedFirstAndCommitsLastWhileTheClientPagesArrivesInTheNextWindow() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s1"), "c-s1", "myNotes");
        client.sync();
        try (Handle first = db.jdbi().open()) {
            first.begin();
            first.execute("insert into notes(id, body, owner_id) values ('s1-first', 'x', 's1')");
            for (int i = 0; i < 5; i++) {
                sql(db, "insert into notes(id, body, owner_id) values ('s1-" + i + "', 'x', 's1')");
            }
            assertThat(client.pull(1).hasMore()).isTrue();
            assertThat(client.pull(1).hasMore()).isTrue();
            first.commit();
        }
        // more commits land while the client is still inside the window
        sql(db, "insert into notes(id, body, owner_id) values ('s1-late', 'x', 's1')");

        client.sync(1, 50);

        assertThat(client.keys("notes")).hasSize(7).contains("s1-first", "s1-late");
    }

    @Test
    void scenario2_aGrantAndAMoveInOneTransactionLeaveTheMovedRowOnTheClient() {
        list(21, "s2", 1, 2100); // todo 2100 in list 21
        sql(db, "insert into lists values (22, 'l22', 'someone else')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s2"), "c-s2", "sharedLists");
        client.sync();
        assertThat(client.held()).containsExactly("sharedLists[21]");

        sql(
                db,
                "begin; insert into list_members values (22, 's2');" + " update todos set list_id = 22 where id = '"
                        + todo(2100) + "'; commit;");
        client.sync(1, 50);

        assertThat(client.held()).containsExactly("sharedLists[21]", "sharedLists[22]");
        assertThat(client.keys("todos")).containsExactly(todo(2100));
        assertThat(client.buckets("todos").get(todo(2100))).containsExactly("sharedLists[22]");
    }

    @Test
    void scenario3_aBucketRevokedDuringItsLoadSendsNoFurtherRowsAndIsNamedRevoked() {
        list(31, "s3", 6, 3100);
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s3"), "c-s3", "sharedLists");
        PullResponse first = client.pull(2);
        assertThat(first.loadingBuckets()).containsExactly("sharedLists[31]");
        assertThat(client.keys("lists").size() + client.keys("todos").size()).isEqualTo(2);

        sql(db, "delete from list_members where list_id = 31 and user_id = 's3'");
        List<PullResponse> rest = client.sync(2, 20);

        assertThat(rest.getFirst().revokedBuckets()).containsExactly("sharedLists[31]");
        assertThat(rest.stream().flatMap(r -> r.changes().stream())).isEmpty();
        assertThat(client.keys("lists")).isEmpty();
        assertThat(client.keys("todos")).isEmpty();
        assertThat(client.held()).isEmpty();
    }

    @Test
    void scenario4_aClientMidWindowWhenWritesStopEndsUpToDateWithLaterCommits() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s4"), "c-s4", "myNotes");
        client.sync();
        for (int i = 0; i < 4; i++) {
            sql(db, "insert into notes(id, body, owner_id) values ('s4-" + i + "', 'x', 's4')");
        }
        assertThat(client.pull(1).hasMore()).isTrue();
        sql(db, "insert into notes(id, body, owner_id) values ('s4-later', 'x', 's4')");

        PullResponse last = client.sync(1, 50).getLast();

        assertThat(last.hasMore()).isFalse();
        assertThat(client.keys("notes")).hasSize(5).contains("s4-later");
    }

    @Test
    void scenario5_aRowMovedIntoAQueuedBucketThatIsRevokedBeforeItsLoadIsDeletedOnTheClient() {
        list(51, "s5", 1, 5100);
        StringBuilder others = new StringBuilder();
        StringBuilder grants = new StringBuilder();
        for (int id = 60; id < 60 + 16; id++) {
            others.append("insert into lists values (").append(id).append(", 'l', 'someone else');");
            grants.append("insert into list_members values (").append(id).append(", 's5');");
        }
        sql(db, others + "insert into lists values (99, 'l99', 'someone else')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s5"), "c-s5", "sharedLists");
        client.sync();
        // a window with entries of list 51, then one transaction that grants 16 lists (as many as load at once)
        // and list 99, and moves todo 5100 from list 51 into list 99, which must wait, queued
        for (int i = 1; i <= 3; i++) {
            sql(db, "update lists set name = 'rename " + i + "' where id = 51");
        }
        sql(
                db,
                "begin; " + grants + " insert into list_members values (99, 's5');"
                        + " update todos set list_id = 99 where id = '" + todo(5100) + "'; commit;");
        List<PullResponse> pages = new ArrayList<>();
        while (pages.stream()
                .flatMap(r -> r.changes().stream())
                .noneMatch(c -> c instanceof Delete d && d.key().equals(todo(5100)))) {
            PullResponse page = client.pull(1);
            pages.add(page);
            assertThat(page.loadingBuckets())
                    .as("list 99 is queued, not loading")
                    .doesNotContain("sharedLists[99]");
            assertThat(pages).hasSizeLessThan(20);
        }
        sql(db, "delete from list_members where list_id = 99");

        client.sync(1, 100);

        assertThat(client.keys("todos")).isEmpty();
        assertThat(client.held()).hasSize(17).contains("sharedLists[51]").doesNotContain("sharedLists[99]");
    }

    @Test
    void scenario6_aDeleteInTheRequestWhereABucketsLoadCompletesReachesTheClient() {
        list(61, "s6", 4, 6100);
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("s6"), "c-s6", "sharedLists");
        PullResponse first = client.pull(3);
        assertThat(first.loadingBuckets()).containsExactly("sharedLists[61]");
        assertThat(client.keys("todos")).contains(todo(6100));

        sql(db, "delete from todos where id = '" + todo(6100) + "'");
        client.sync(3, 20);

        assertThat(client.keys("todos")).containsExactly(todo(6101), todo(6102), todo(6103));
        assertThat(client.held()).containsExactly("sharedLists[61]");
    }
}
