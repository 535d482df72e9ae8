package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.contract.MutationJournalContract;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class JdbiMutationJournalIT extends MutationJournalContract {
    private static Jdbi jdbi;
    private static JdbiTransactions transactions;
    private static final JdbiMutationJournal JOURNAL = new JdbiMutationJournal();
    private static final JdbiChangeLog CHANGE_LOG = new JdbiChangeLog();

    @BeforeAll
    static void migrate(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        jdbi = database.jdbi();
        transactions = new JdbiTransactions(jdbi);
    }

    @Override
    protected Setup setup() {
        return new Setup() {
            @Override
            public MutationJournal journal() {
                return JOURNAL;
            }

            @Override
            public Transactions transactions() {
                return transactions;
            }

            @Override
            public PgSnapshot snapshot(Tx tx) {
                return CHANGE_LOG.currentSnapshot(tx);
            }
        };
    }

    @Test
    void aSnapshotTakenBeforeTheRecordCommittedDoesNotCountIt() {
        String client = "c-snapshot";
        transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> JOURNAL.lockClient(tx, client, "alice"));
        PgSnapshot before = transactions.inReadTransaction(CHANGE_LOG::currentSnapshot);

        transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            JOURNAL.lockClient(tx, client, "alice");
            JOURNAL.record(tx, new MutationJournal.Entry(client, 1, "m", "alice", "{}", "h", "applied", "{}", null));
            return null;
        });

        long seenBefore = transactions.inReadTransaction(tx -> JOURNAL.lastMutationId(tx, client, before));
        long seenNow = transactions.inReadTransaction(
                tx -> JOURNAL.lastMutationId(tx, client, CHANGE_LOG.currentSnapshot(tx)));
        assertThat(seenBefore).isZero();
        assertThat(seenNow).isOne();
    }

    /**
     * Waits until a session is blocked by {@code holder}'s backend: other sessions of a shared server that wait on
     * their own locks do not count.
     */
    private static void awaitBlockedBy(Handle holder, String what) {
        int pid = holder.createQuery("select pg_backend_pid()")
                .mapTo(Integer.class)
                .one();
        Await.until(
                what,
                Duration.ofSeconds(10),
                () -> jdbi.withHandle(h -> h.createQuery(
                                        "select count(*) from pg_stat_activity where :pid = any(pg_blocking_pids(pid))")
                                .bind("pid", pid)
                                .mapTo(Integer.class)
                                .one())
                        > 0);
    }

    @Test
    void lockingAClientMakesASecondLockerWaitUntilTheFirstCommits() throws Exception {
        String client = "c-lock";
        try (Handle first = jdbi.open()) {
            first.begin();
            first.execute("insert into nizhal.clients (client_id, actor) values (?, 'alice')", client);
            first.execute("select 1 from nizhal.clients where client_id = ? for update", client);
            CompletableFuture<MutationJournal.ClientRow> second =
                    CompletableFuture.supplyAsync(() -> transactions.inWriteTransaction(
                            Isolation.READ_COMMITTED, tx -> JOURNAL.lockClient(tx, client, "mallory")));
            // the second locker waits on the row lock (no unique violation, no early answer)
            awaitBlockedBy(first, "the second locker waits on the client's row");
            assertThat(second).isNotDone();
            first.commit();

            assertThat(second.get(10, TimeUnit.SECONDS).actorId()).isEqualTo("alice");
        }
    }

    @Test
    void aPushThatWaitedForTheLockSeesTheLastIdThatTheHolderCommittedButReadsItsEntryAfterTheLock() throws Exception {
        String client = "c-wait";
        transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> JOURNAL.lockClient(tx, client, "alice"));
        try (Handle first = jdbi.open()) {
            first.begin();
            first.execute("select 1 from nizhal.clients where client_id = ? for update", client);
            // a copy of the same push (id 1) waits for the row while the first records it
            CompletableFuture<MutationJournal.LockedClient> second =
                    CompletableFuture.supplyAsync(() -> transactions.inWriteTransaction(
                            Isolation.READ_COMMITTED, tx -> JOURNAL.lockClient(tx, client, "alice", 1)));
            awaitBlockedBy(first, "the second push waits on the client's row");
            JOURNAL.record(
                    new JdbiTx(first),
                    new MutationJournal.Entry(client, 1, "m", "alice", "{}", "h1", "applied", "{}", null));
            first.commit();

            // the locked row is its latest version, but the entry is joined in the statement's own snapshot, taken
            // before the first committed: this is why the push reads a replay's missing entry with find()
            MutationJournal.LockedClient locked = second.get(10, TimeUnit.SECONDS);
            assertThat(locked.row().lastMutationId()).isOne();
            assertThat(locked.recorded()).isEmpty();
            Optional<MutationJournal.Entry> found =
                    transactions.inWriteTransaction(Isolation.READ_COMMITTED, tx -> JOURNAL.find(tx, client, 1));
            assertThat(found)
                    .hasValueSatisfying(entry -> assertThat(entry.argsHash()).isEqualTo("h1"));
        }
    }
}
