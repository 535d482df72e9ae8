package dev.nizhal.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The scenarios at the end of CHANGE-CAPTURE.md (1 to 7), and scenario 8, the loss scenario 2's defect causes when
 * the moved row is behind its load position, as reusable bodies, so that each runs against the correct pull ({@link
 * WindowScenariosIT}) and against the known-broken pull it guards against ({@link ScenarioTeethIT}).
 * {@code base} keeps the ids of several runs on one database apart.
 */
final class Scenarios {
    // the checks that fail against the broken pulls (ScenarioTeethIT asserts which one)
    static final String S1_EVERY_NOTE = "every note arrives, the one that inserted first and committed last too";
    static final String S2_MOVED_ROW_NEVER_DELETED = "the moved todo is never deleted on the client";
    static final String S3_DROPPED_LOAD_REVOKED = "the dropped load is named revoked";
    static final String S3_NO_FURTHER_ROWS = "no further row of the revoked list is sent";
    static final String S4_LATER_COMMITS = "the commits after the window are delivered before hasMore is false";
    static final String S5_MOVED_ROW_DELETED = "the moved todo is deleted by the window";
    static final String S5_NO_ROW_LABELLED_QUEUED = "no row is labelled with the queued list";
    static final String S6_DELETE_DURING_LOAD = "the delete during the load reaches the client";
    static final String S7_FIRST_PULL_DRAINS = "the first pull drains";
    static final String S7_NOTHING_LOADED_TWICE = "nothing is loaded twice";
    static final String S8_MOVED_BEHIND_LOAD_KEPT = "the todo moved behind the load position stays on the client";

    private final Nizhal nizhal;
    private final TestDatabase db;
    private final int base;

    Scenarios(Nizhal nizhal, TestDatabase db, int base) {
        this.nizhal = nizhal;
        this.db = db;
        this.base = base;
    }

    private void sql(String statements) {
        SeedDatabase.sql(db, statements);
    }

    private SyncTestClient client(String actor, String rule) {
        return new SyncTestClient(nizhal, Actor.of(actor + "-" + base), "c-" + actor + "-" + base, rule);
    }

    private String owner(String actor) {
        return actor + "-" + base;
    }

    private long id(long n) {
        return base * 1000L + n;
    }

    private String bucket(long n) {
        return "sharedLists[" + id(n) + "]";
    }

    private String todo(int n) {
        return String.format("00000000-0000-0000-0000-%012d", base * 100_000L + n);
    }

    private String note(String name) {
        return name + "-" + base;
    }

    /** A list with its membership for {@code member} and {@code todos} todos numbered from {@code firstTodo}. */
    private void list(long n, String member, int todos, int firstTodo) {
        StringBuilder s = new StringBuilder("insert into lists values (" + id(n) + ", 'l', 'x');"
                + " insert into list_members values (" + id(n) + ", '" + owner(member) + "');");
        for (int i = 0; i < todos; i++) {
            s.append(" insert into todos(id, list_id, title) values ('")
                    .append(todo(firstTodo + i))
                    .append("', ")
                    .append(id(n))
                    .append(", 'todo');");
        }
        sql(s.toString());
    }

    private void insertNote(String name, String actor) {
        sql("insert into notes(id, body, owner_id) values ('" + note(name) + "', 'x', '" + owner(actor) + "')");
    }

    void scenario1() {
        SyncTestClient client = client("s1", "myNotes");
        client.sync();
        try (Handle first = db.jdbi().open()) {
            first.begin();
            first.execute("insert into notes(id, body, owner_id) values ('" + note("s1-first") + "', 'x', '"
                    + owner("s1") + "')");
            for (int i = 0; i < 5; i++) {
                insertNote("s1-" + i, "s1");
            }
            assertThat(client.pull(1).hasMore()).isTrue();
            assertThat(client.pull(1).hasMore()).isTrue();
            first.commit();
        }
        // more commits land while the client is still inside the window
        insertNote("s1-late", "s1");

        client.sync(1, 50);

        assertThat(client.keys("notes")).as(S1_EVERY_NOTE).hasSize(7).contains(note("s1-first"), note("s1-late"));
    }

    void scenario2() {
        list(21, "s2", 1, 2100);
        sql("insert into lists values (" + id(22) + ", 'l', 'x')");
        SyncTestClient client = client("s2", "sharedLists");
        client.sync();
        assertThat(client.held()).containsExactly(bucket(21));

        sql("begin; insert into list_members values (" + id(22) + ", '" + owner("s2") + "');"
                + " update todos set list_id = " + id(22) + " where id = '" + todo(2100) + "'; commit;");
        List<PullResponse> responses = client.sync(1, 50);

        // the window entry under list 1 is read with list 2's load in the read set: t1 is sent as a row of list 2,
        // never deleted on the client (and it stays there through the load)
        assertThat(responses.stream().flatMap(r -> r.changes().stream()))
                .as(S2_MOVED_ROW_NEVER_DELETED)
                .noneMatch(c -> c instanceof Delete d && d.key().equals(todo(2100)));
        assertThat(client.held()).containsExactly(bucket(21), bucket(22));
        assertThat(client.keys("todos")).containsExactly(todo(2100));
        assertThat(client.buckets("todos").get(todo(2100))).containsExactly(bucket(22));
    }

    void scenario3() {
        list(31, "s3", 6, 3100);
        SyncTestClient client = client("s3", "sharedLists");
        PullResponse first = client.pull(2);
        assertThat(first.loadingBuckets()).containsExactly(bucket(31));
        assertThat(client.keys("lists").size() + client.keys("todos").size()).isEqualTo(2);

        sql("delete from list_members where list_id = " + id(31));
        List<PullResponse> rest = client.sync(2, 20);

        assertThat(rest.getFirst().revokedBuckets()).as(S3_DROPPED_LOAD_REVOKED).containsExactly(bucket(31));
        assertThat(rest.stream().flatMap(r -> r.changes().stream()))
                .as(S3_NO_FURTHER_ROWS)
                .isEmpty();
        assertThat(client.keys("lists")).isEmpty();
        assertThat(client.keys("todos")).isEmpty();
        assertThat(client.held()).isEmpty();
    }

    void scenario4() {
        SyncTestClient client = client("s4", "myNotes");
        client.sync();
        for (int i = 0; i < 4; i++) {
            insertNote("s4-" + i, "s4");
        }
        assertThat(client.pull(1).hasMore()).isTrue();
        insertNote("s4-later", "s4");

        PullResponse last = client.sync(1, 50).getLast();

        assertThat(last.hasMore()).isFalse();
        assertThat(client.keys("notes")).as(S4_LATER_COMMITS).hasSize(5).contains(note("s4-later"));
    }

    void scenario5() {
        list(551, "s5", 1, 5100);
        StringBuilder others = new StringBuilder();
        StringBuilder grants = new StringBuilder();
        for (long n = 560; n < 560 + 16; n++) {
            others.append("insert into lists values (").append(id(n)).append(", 'l', 'x');");
            grants.append("insert into list_members values (")
                    .append(id(n))
                    .append(", '")
                    .append(owner("s5"))
                    .append("');");
        }
        sql(others + "insert into lists values (" + id(599) + ", 'l', 'x')");
        SyncTestClient client = client("s5", "sharedLists");
        client.sync();
        // a window with entries of list 551, then one transaction that grants 16 lists (as many as load at once)
        // and list 599, and moves todo 5100 from list 551 into list 599, which must wait, queued
        for (int i = 1; i <= 3; i++) {
            sql("update lists set name = 'rename " + i + "' where id = " + id(551));
        }
        sql("begin; " + grants + " insert into list_members values (" + id(599) + ", '" + owner("s5") + "');"
                + " update todos set list_id = " + id(599) + " where id = '" + todo(5100) + "'; commit;");
        List<PullResponse> pages = new ArrayList<>();
        while (pages.stream()
                .flatMap(r -> r.changes().stream())
                .noneMatch(c -> c instanceof Delete d && d.key().equals(todo(5100)))) {
            PullResponse page = client.pull(1);
            pages.add(page);
            assertThat(page.changes())
                    .as(S5_NO_ROW_LABELLED_QUEUED)
                    .noneMatch(c -> c instanceof Upsert u && u.buckets().contains(bucket(599)));
            assertThat(page.loadingBuckets())
                    .as("list 599 is queued, not loading")
                    .doesNotContain(bucket(599));
            assertThat(pages).as(S5_MOVED_ROW_DELETED).hasSizeLessThan(20);
        }
        sql("delete from list_members where list_id = " + id(599));

        client.sync(1, 100);

        assertThat(client.keys("todos")).isEmpty();
        assertThat(client.held()).hasSize(17).contains(bucket(551)).doesNotContain(bucket(599));
    }

    /**
     * A new user with no rows, and a user with several empty lists: the first pull drains and holds those buckets,
     * and nothing is loaded twice.
     */
    void scenario7() {
        sql("insert into lists values (" + id(71) + ", 'empty one', 'x'), (" + id(72) + ", 'empty two', 'x');"
                + " insert into list_members values (" + id(71) + ", '" + owner("s7") + "'), (" + id(72) + ", '"
                + owner("s7") + "')");
        SyncTestClient newcomer = client("s7-new", "myNotes");
        SyncTestClient member = client("s7", "sharedLists");

        List<PullResponse> newcomerPulls = newcomer.sync();
        List<PullResponse> memberPulls = member.sync();
        PullResponse newcomerAgain = newcomer.pull(1000);
        PullResponse memberAgain = member.pull(1000);

        assertThat(newcomerPulls).as(S7_FIRST_PULL_DRAINS).hasSize(1);
        assertThat(memberPulls).as(S7_FIRST_PULL_DRAINS).hasSize(1);
        assertThat(newcomerPulls.getFirst().loadedBuckets()).containsExactly("myNotes[\"" + owner("s7-new") + "\"]");
        assertThat(newcomer.held()).containsExactly("myNotes[\"" + owner("s7-new") + "\"]");
        assertThat(member.held()).containsExactly(bucket(71), bucket(72));
        assertThat(member.keys("lists")).containsExactly(String.valueOf(id(71)), String.valueOf(id(72)));
        assertThat(member.keys("todos")).isEmpty();
        assertThat(List.of(newcomerAgain, memberAgain))
                .as(S7_NOTHING_LOADED_TWICE)
                .allSatisfy(again -> {
                    assertThat(again.loadedBuckets()).isEmpty();
                    assertThat(again.changes()).isEmpty();
                    assertThat(again.hasMore()).isFalse();
                });
    }

    /**
     * The client holds list 1; list 2 is granted and its load pages past todo t1's key; then t1 moves from list 1
     * into list 2. The load never reaches t1 again (its key is behind the load position), so only the window entry
     * of the move, read with the loading list 2 in the read set, keeps t1 on the client (fails when loading buckets
     * are left out of the read set: t1 is deleted and lost, where scenario 2's load sends it again).
     */
    void scenario8() {
        list(81, "s8", 1, 8100);
        list(82, "s8-other", 4, 8101);
        SyncTestClient client = client("s8", "sharedLists");
        client.sync();
        assertThat(client.held()).containsExactly(bucket(81));

        sql("insert into list_members values (" + id(82) + ", '" + owner("s8") + "')");
        PullResponse first = client.pull(3);
        assertThat(first.loadingBuckets()).containsExactly(bucket(82));
        // list 2's row and its first todos: the load is past t1's key (todo 8100 sorts before todo 8101)
        assertThat(client.keys("todos")).contains(todo(8100), todo(8101));

        sql("update todos set list_id = " + id(82) + " where id = '" + todo(8100) + "'");
        client.sync(3, 20);

        assertThat(client.keys("todos"))
                .as(S8_MOVED_BEHIND_LOAD_KEPT)
                .containsExactly(todo(8100), todo(8101), todo(8102), todo(8103), todo(8104));
        assertThat(client.buckets("todos").get(todo(8100))).containsExactly(bucket(82));
        assertThat(client.held()).containsExactly(bucket(81), bucket(82));
    }

    void scenario6() {
        list(61, "s6", 4, 6100);
        SyncTestClient client = client("s6", "sharedLists");
        PullResponse first = client.pull(3);
        assertThat(first.loadingBuckets()).containsExactly(bucket(61));
        assertThat(client.keys("todos")).contains(todo(6100));

        sql("delete from todos where id = '" + todo(6100) + "'");
        client.sync(3, 20);

        assertThat(client.keys("todos")).as(S6_DELETE_DURING_LOAD).containsExactly(todo(6101), todo(6102), todo(6103));
        assertThat(client.held()).containsExactly(bucket(61));
    }
}
