package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.contract.ChangeLogContract;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.Transactions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The change-log kit on PostgreSQL: entries are written in real transactions, so their ids and the snapshots are
 * PostgreSQL's own; an open transaction is a second connection holding its transaction while the kit commits
 * others and reads windows.
 */
@ExtendWith(PostgresExtension.class)
class JdbiChangeLogIT extends ChangeLogContract {

    private static Jdbi jdbi;
    private final List<Handle> openHandles = new ArrayList<>();

    @BeforeAll
    static void migrate(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        jdbi = database.jdbi();
    }

    @AfterEach
    void rollBackWhatATestLeftOpen() {
        for (Handle handle : openHandles) {
            if (handle.isInTransaction()) {
                handle.rollback();
            }
            handle.close();
        }
    }

    @Override
    protected Setup setup() {
        return new RealTransactions();
    }

    @Test
    void theEntriesOfARolledBackTransactionNeverShow() {
        PgSnapshot s0 = snapshot();
        Handle handle = open();
        long txid = insert(handle, entry("b", "notes", "rolled-back"));
        handle.rollback();
        setup().commit(entry("b", "notes", "committed"));
        PgSnapshot s1 = snapshot();

        assertThat(txid).isLessThan(s1.xmax());
        assertThat(window(s0, s1, Set.of("b"), null, 100))
                .flatExtracting(ChangeLog.Entry::keys)
                .containsExactly("committed");
    }

    /**
     * What a push group reads after each body: its own transaction's entries after a position (their buckets, its
     * id), never another transaction's, and the position to read from next.
     */
    @Test
    void aTransactionReadsWhatItLoggedSinceAPosition() {
        ChangeLog changeLog = new JdbiChangeLog();
        Handle other = open();
        insert(other, entry("other", "notes", "o1"));
        List<Object> seen = new JdbiTransactions(jdbi).inWriteTransaction(Isolation.READ_COMMITTED, tx -> {
            Handle handle = tx.handle(Handle.class);
            ChangeLog.Logged nothing = changeLog.loggedSince(tx, 0);
            long txid = insert(handle, entry("b1", "notes", "k1"));
            ChangeLog.Logged first = changeLog.loggedSince(tx, nothing.position());
            insert(other, entry("other", "notes", "o2"));
            insert(handle, entry("b2", "notes", "k2"), entry("b3", "notes", "k3"), entry("b2", "notes", "k4"));
            ChangeLog.Logged second = changeLog.loggedSince(tx, first.position());
            ChangeLog.Logged none = changeLog.loggedSince(tx, second.position());
            return List.of(nothing, txid, first, second, none);
        });
        ChangeLog.Logged nothing = (ChangeLog.Logged) seen.get(0);
        long txid = (Long) seen.get(1);
        ChangeLog.Logged first = (ChangeLog.Logged) seen.get(2);
        ChangeLog.Logged second = (ChangeLog.Logged) seen.get(3);
        ChangeLog.Logged none = (ChangeLog.Logged) seen.get(4);

        // a transaction that wrote nothing has no id and logged nothing
        assertThat(nothing).isEqualTo(new ChangeLog.Logged(ChangeLog.Written.NOTHING, 0));
        assertThat(first.written()).isEqualTo(new ChangeLog.Written(txid, Set.of("b1")));
        assertThat(first.position()).isPositive();
        // the other transaction's entry, logged in between, is not this one's
        assertThat(second.written()).isEqualTo(new ChangeLog.Written(txid, Set.of("b2", "b3")));
        assertThat(second.position()).isGreaterThan(first.position());
        assertThat(none).isEqualTo(new ChangeLog.Logged(ChangeLog.Written.NOTHING, second.position()));
    }

    @Test
    void entriesWithoutKeysNeverMakeAPageLookDrained() {
        PgSnapshot s0 = snapshot();
        setup().commit(entry("b", "notes"), entry("b", "notes"), entry("b", "notes"), entry("b", "notes", "k1"));
        PgSnapshot s1 = snapshot();

        // the triggers never log an empty key list; were one there, an empty page would end the window early
        assertThat(window(s0, s1, Set.of("b"), null, 1))
                .flatExtracting(ChangeLog.Entry::keys)
                .containsExactly("k1");
    }

    @Test
    void aPageOfAtLeastOneKeyIsRequired() {
        PgSnapshot s = snapshot();

        assertThatThrownBy(() -> window(s, s, Set.of("b"), null, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limitKeys was 0");
    }

    @Test
    void aBulkEntryIsCutInSqlAndResumedAtEveryOrdinal() {
        PgSnapshot s0 = snapshot();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            keys.add("k" + i);
        }
        setup().commit(new NewEntry("b", "notes", keys));
        PgSnapshot s1 = snapshot();

        List<List<ChangeLog.Entry>> pages = pages(s0, s1, Set.of("b"), 7);

        assertThat(pages).hasSize(143); // 142 pages of 7 keys and one of 6
        assertThat(pages.stream().flatMap(List::stream).flatMap(e -> e.keys().stream()))
                .containsExactlyElementsOf(keys);
        assertThat(pages.stream().map(p -> p.getFirst().firstOrdinal()))
                .startsWith(0, 7, 14)
                .endsWith(994);
    }

    private final class RealTransactions implements Setup {
        @Override
        public ChangeLog changeLog() {
            return new JdbiChangeLog();
        }

        @Override
        public Transactions transactions() {
            return new JdbiTransactions(jdbi);
        }

        @Override
        public long commit(NewEntry... entries) {
            return jdbi.inTransaction(handle -> insert(handle, entries));
        }

        @Override
        public OpenTransaction begin() {
            Handle handle = open();
            // the id a capture trigger's first write would assign
            long txid = txid(handle);
            return new OpenTransaction() {
                @Override
                public long txid() {
                    return txid;
                }

                @Override
                public void write(NewEntry... entries) {
                    insert(handle, entries);
                }

                @Override
                public void commit() {
                    handle.commit();
                }
            };
        }

        @Override
        public void writeMeta(String planHash, PgSnapshot retentionMark) {
            jdbi.useHandle(handle -> handle.createUpdate("update nizhal.meta set plan_hash = :plan_hash,"
                            + " retention_mark = cast(:mark as pg_snapshot)")
                    .bind("plan_hash", planHash)
                    .bind("mark", retentionMark.text())
                    .execute());
        }
    }

    /** A connection of its own with a transaction begun, closed after the test. */
    private Handle open() {
        Handle handle = jdbi.open();
        openHandles.add(handle);
        handle.begin();
        return handle;
    }

    private static long insert(Handle handle, NewEntry... entries) {
        for (NewEntry e : entries) {
            handle.createUpdate("insert into nizhal.change_log (bucket, tbl, pks) values (:bucket, :tbl, :pks)")
                    .bind("bucket", e.bucket())
                    .bind("tbl", e.table())
                    .bindArray("pks", String.class, e.keys())
                    .execute();
        }
        return txid(handle);
    }

    private static long txid(Handle handle) {
        return Long.parseLong(handle.createQuery("select cast(pg_current_xact_id() as text)")
                .mapTo(String.class)
                .one());
    }
}
