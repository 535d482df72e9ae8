package dev.nizhal.ports.fakes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.contract.ChangeLogContract;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.Transactions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The fake runs the change-log kit with simulated transactions: ids from a counter, entries appended when written
 * (so their seq is the write order), and a current snapshot that lists the open transactions as in flight.
 */
class InMemoryChangeLogTest extends ChangeLogContract {

    @Override
    protected Setup setup() {
        return new SimulatedTransactions();
    }

    private static final class SimulatedTransactions implements Setup {
        private final InMemoryChangeLog log = new InMemoryChangeLog();
        private final FakeTransactions transactions = new FakeTransactions();
        private final TreeSet<Long> open = new TreeSet<>();
        private long nextTxid = 100;

        @Override
        public ChangeLog changeLog() {
            return log;
        }

        @Override
        public Transactions transactions() {
            return transactions;
        }

        @Override
        public long commit(NewEntry... entries) {
            long txid = nextTxid++;
            append(txid, entries);
            takeSnapshot();
            return txid;
        }

        @Override
        public OpenTransaction begin() {
            long txid = nextTxid++;
            open.add(txid);
            takeSnapshot();
            return new OpenTransaction() {
                @Override
                public long txid() {
                    return txid;
                }

                @Override
                public void write(NewEntry... entries) {
                    append(txid, entries);
                }

                @Override
                public void commit() {
                    open.remove(txid);
                    takeSnapshot();
                }
            };
        }

        @Override
        public void writeMeta(String planHash, PgSnapshot retentionMark) {
            log.setMeta(new ChangeLog.Meta("fake-database", planHash, retentionMark));
        }

        private void append(long txid, NewEntry... entries) {
            for (NewEntry e : entries) {
                log.append(txid, e.bucket(), e.table(), e.keys().toArray(String[]::new));
            }
        }

        // what pg_current_snapshot() would say now: every open transaction in flight, nextTxid not yet assigned
        private void takeSnapshot() {
            long xmin = open.isEmpty() ? nextTxid : open.first();
            log.setCurrentSnapshot(new PgSnapshot(xmin, nextTxid, List.copyOf(open)));
        }
    }

    @Test
    void aWindowHoldsWhatCommittedAfterTheLowerSnapshotInAnyOrderAndPagesByKeys() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        log.append(10, "b", "notes", "late"); // in flight at sPrev, committed before sHi
        log.append(11, "b", "notes", "k1", "k2", "k3");
        log.append(12, "other", "notes", "x");
        log.append(9, "b", "notes", "old"); // visible in sPrev: an earlier window
        PgSnapshot sPrev = PgSnapshot.of(10, 11, 10L);
        PgSnapshot sHi = PgSnapshot.of(13, 13);

        List<ChangeLog.Entry> first = log.window(null, sPrev, sHi, Set.of("b"), null, 3);
        ChangeLog.Entry last = first.getLast();
        List<ChangeLog.Entry> rest = log.window(
                null,
                sPrev,
                sHi,
                Set.of("b"),
                new ChangeLog.Position(
                        last.txid(),
                        last.seq(),
                        last.firstOrdinal() + last.keys().size() - 1),
                3);

        assertThat(first).extracting(ChangeLog.Entry::keys).containsExactly(List.of("late"), List.of("k1", "k2"));
        assertThat(rest).extracting(ChangeLog.Entry::keys).containsExactly(List.of("k3"));
        assertThat(rest.getFirst().firstOrdinal()).isEqualTo(2);
    }
}
