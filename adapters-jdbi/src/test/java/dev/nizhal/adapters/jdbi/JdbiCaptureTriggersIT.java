package dev.nizhal.adapters.jdbi;

import static dev.nizhal.adapters.jdbi.LoggedChange.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nizhal.adapters.jdbi.LoggedChange.Entry;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.domain.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The capture triggers of the seed example's rules write what CHANGE-CAPTURE.md says, on a real PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class JdbiCaptureTriggersIT {

    private static final String U1 = "myNotes[\"u1\"]";
    private static final String U2 = "myNotes[\"u2\"]";
    private static final String ANNOUNCEMENTS = "announcements[]";

    private static Jdbi jdbi;

    @BeforeAll
    static void install(TestDatabase database) {
        jdbi = database.jdbi();
        // the seed schema (Fixtures.seedSchema) as real tables
        jdbi.useHandle(h -> h.createScript("""
                        create table notes(id text primary key, body text, owner_id text, updated_at timestamptz);
                        create table lists(id int8 primary key, name text, owner_id text);
                        create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
                        create table todos(id uuid primary key, list_id int8, title text, done bool, position int4,
                                           due timestamptz);
                        create table announcements(id int4 primary key, title text, body text, published bool,
                                                   published_at timestamptz, author_email text);
                        """).execute());
        SyncRules rules = Fixtures.seedRules();
        new JdbiCaptureTriggers(database.dataSource())
                .install(SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables())));
    }

    @BeforeEach
    void emptyTablesAndLog() {
        jdbi.useHandle(h -> h.createScript("""
                        truncate notes, lists, list_members, todos, announcements;
                        truncate nizhal.change_log;
                        """).execute());
    }

    // --- rows and buckets

    @Test
    void anInsertLogsOneRowPerBucketWithItsKeysAndNothingForRowsOfNoBucket() {
        sql("insert into notes(id, body, owner_id) values ('n2', 'b', 'u1'), ('n1', 'a', 'u1'), ('n3', 'c', 'u2'),"
                + " ('n4', 'orphan', null)");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(entry(U1, "notes", "n1", "n2"), entry(U2, "notes", "n3"));
    }

    @Test
    void updatesAndDeletesLogTheKeysUnderTheirBuckets() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1'), ('n2', 'b', 'u2')");
        clearLog();

        sql("update notes set body = 'changed' where id = 'n1'");
        sql("delete from notes where id = 'n2'");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "notes", "n1"), entry(U2, "notes", "n2"));
    }

    @Test
    void aNoteMovedToAnotherOwnerIsLoggedUnderBothBuckets() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
        clearLog();

        sql("update notes set owner_id = 'u2' where id = 'n1'");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(entry(U1, "notes", "n1"), entry(U2, "notes", "n1"));
    }

    @Test
    void anUpdateOfAColumnNoRuleReadsLogsEachKeyOnceUnderItsBucket() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1'), ('n2', 'b', 'u1')");
        clearLog();

        sql("update notes set body = body || 'x'");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "notes", "n1", "n2"));
    }

    @Test
    void aRowThatStopsMatchingTheFilterIsLoggedUnderTheBucketItLeft() {
        sql("insert into announcements(id, title, published) values (1, 'live', true), (2, 'draft', false)");
        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(ANNOUNCEMENTS, "announcements", "1"));
        clearLog();

        sql("update announcements set published = false where id = 1");
        sql("update announcements set title = 'still a draft' where id = 2");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(ANNOUNCEMENTS, "announcements", "1"));
    }

    @Test
    void aPrimaryKeyChangeLogsTheOldAndTheNewKey() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
        clearLog();

        sql("update notes set id = 'n9' where id = 'n1'");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "notes", "n1", "n9"));
    }

    @Test
    void rowsOfNoBucketAreNeverLogged() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'orphan', null)");
        sql("update notes set body = 'still an orphan' where id = 'n1'");
        sql("delete from notes where id = 'n1'");
        sql("insert into todos(id, list_id, title) values (gen_random_uuid(), null, 'loose')");

        assertThat(LoggedChange.entries(jdbi)).isEmpty();
    }

    @Test
    void everyCollectionOfATableIsLoggedUnderItsOwnTableName() {
        sql("insert into lists(id, name) values (7, 'groceries')");
        sql("insert into todos(id, list_id, title) values ('00000000-0000-0000-0000-000000000001', 7, 'milk')");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactly(
                        entry("sharedLists[7]", "lists", "7"),
                        entry("sharedLists[7]", "todos", "00000000-0000-0000-0000-000000000001"));
    }

    @Test
    void membershipChangesLogTheGrantKeyOfEachActorWithoutKeys() {
        sql("insert into list_members(list_id, user_id) values (1, 'u1'), (2, 'u1'), (2, 'u2')");
        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry("grant:sharedLists[\"u1\"]", "list_members"),
                        entry("grant:sharedLists[\"u2\"]", "list_members"));
        clearLog();

        sql("delete from list_members where list_id = 1 and user_id = 'u1'");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry("grant:sharedLists[\"u1\"]", "list_members"));
    }

    // --- writes that try to get around the triggers

    @Test
    void aSessionInReplicaModeIsStillCaptured() {
        assumeTrue(superuser(), "session_replication_role can only be set by a superuser");

        jdbi.useHandle(h -> {
            h.execute("set session_replication_role = replica");
            try {
                h.execute("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
            } finally {
                h.execute("reset session_replication_role");
            }
        });

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "notes", "n1"));
    }

    @Test
    void aWriterWithoutPrivilegesOnNizhalIsCapturedButCannotAttachTheCaptureFunctionElsewhere() {
        assumeTrue(superuser(), "creating a role takes a superuser");
        String role = jdbi.withHandle(h -> h.createQuery("select current_database() || '_writer'")
                .mapTo(String.class)
                .one());
        String function = jdbi.withHandle(
                h -> h.createQuery("select oid::regprocedure::text from pg_proc where proname like 'capture_notes_%'")
                        .mapTo(String.class)
                        .one());

        Throwable attach = jdbi.withHandle(h -> {
            // usage on schema nizhal, as a DBA might grant for reading the log: only EXECUTE stands in the way
            h.createScript("""
                            create role %1$s;
                            grant select, insert on notes to %1$s;
                            grant create on schema public to %1$s;
                            grant usage on schema nizhal to %1$s;
                            """.formatted(role)).execute();
            try {
                h.execute("set role " + role);
                h.execute("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
                h.execute("create table writers_own(id text primary key, owner_id text)");
                return catchThrowable(() -> h.execute("create trigger steal after insert on writers_own"
                        + " referencing new table as nizhal_new for each statement execute function " + function));
            } finally {
                h.execute("reset role");
                h.execute("drop table if exists writers_own");
                h.execute("drop owned by " + role);
                h.execute("drop role " + role);
            }
        });

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "notes", "n1"));
        assertThat(attach).hasMessageContaining("permission denied for function");
    }

    @Test
    void truncateLogsTheMarkerOfTheTable() {
        sql("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
        clearLog();

        sql("truncate notes");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry("truncate:notes", "notes", "*"));
    }

    @Test
    void theBucketLoggedIsTheOneAUsersBeforeTriggerLeftInTheRow() {
        // in a transaction that is rolled back, so that the user trigger never reaches the other tests
        List<Entry> logged = jdbi.withHandle(h -> {
            h.begin();
            try {
                h.execute("""
                        create function public.reassign() returns trigger language plpgsql as $$
                        begin new.owner_id := 'u2'; return new; end $$""");
                h.execute("create trigger reassign before insert or update on notes for each row"
                        + " execute function public.reassign()");
                h.execute("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
                return LoggedChange.entries(h);
            } finally {
                h.rollback();
            }
        });

        assertThat(logged).containsExactly(entry(U2, "notes", "n1"));
    }

    @Test
    void theTriggerTurnsSynchronousCommitOnForTheWritingTransaction() {
        String setting = jdbi.withHandle(h -> {
            h.begin();
            try {
                h.execute("set local synchronous_commit = off");
                h.execute("insert into notes(id, body, owner_id) values ('n1', 'a', 'u1')");
                return h.createQuery("select current_setting('synchronous_commit')")
                        .mapTo(String.class)
                        .one();
            } finally {
                h.rollback();
            }
        });

        assertThat(setting).isEqualTo("on");
    }

    // --- P7: the log grows with buckets touched, not rows touched

    @Test
    void aLargeUpdateWritesOneRowPerBucket() {
        sql("insert into notes(id, body, owner_id)"
                + " select 'n' || i, 'body', 'u' || (i % 20) from generate_series(1, 10000) as i");
        clearLog();

        sql("update notes set body = 'edited'");

        List<LoggedChange> rows = LoggedChange.all(jdbi);
        assertThat(rows).hasSize(20);
        assertThat(rows).allSatisfy(row -> assertThat(row.pks()).hasSize(500));
        assertThat(rows.stream().map(LoggedChange::bucket).distinct()).hasSize(20);
    }

    @Test
    void aBucketWithMoreThanAThousandKeysIsSplitIntoRowsOfAThousand() {
        sql("insert into notes(id, body, owner_id)"
                + " select 'n' || lpad(i::text, 5, '0'), 'body', 'u1' from generate_series(1, 2500) as i");

        List<LoggedChange> rows = LoggedChange.all(jdbi);
        assertThat(rows).extracting(r -> r.pks().size()).containsExactlyInAnyOrder(1000, 1000, 500);
        assertThat(rows).extracting(LoggedChange::bucket).containsOnly(U1);
        assertThat(rows.stream().flatMap(r -> r.pks().stream()).distinct()).hasSize(2500);
    }

    // --- P3 groundwork: every writer's transaction is recorded

    @Test
    void twoOpenTransactionsWritingTheSameBucketAreEachLoggedWithTheirOwnTxid() {
        try (Handle first = jdbi.open();
                Handle second = jdbi.open()) {
            first.begin();
            second.begin();
            first.execute("insert into notes(id, body, owner_id) values ('n1', 'first', 'u1')");
            second.execute("insert into notes(id, body, owner_id) values ('n2', 'second', 'u1')");
            String firstTxid = txid(first);
            String secondTxid = txid(second);
            second.commit(); // the later transaction commits first
            first.commit();

            Map<String, List<String>> keysByTxid = LoggedChange.all(jdbi).stream()
                    .filter(row -> row.bucket().equals(U1))
                    .collect(Collectors.toMap(LoggedChange::txid, LoggedChange::pks));
            assertThat(keysByTxid)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(firstTxid, List.of("n1"), secondTxid, List.of("n2")));
        }
    }

    private static String txid(Handle handle) {
        return handle.createQuery("select pg_current_xact_id()::text")
                .mapTo(String.class)
                .one();
    }

    private static boolean superuser() {
        return jdbi.withHandle(h -> h.createQuery("select rolsuper from pg_roles where rolname = current_user")
                .mapTo(Boolean.class)
                .one());
    }

    private static void sql(String sql) {
        jdbi.useHandle(h -> h.execute(sql));
    }

    private static void clearLog() {
        sql("truncate nizhal.change_log");
    }
}
