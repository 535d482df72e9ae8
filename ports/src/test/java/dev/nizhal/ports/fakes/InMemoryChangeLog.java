package dev.nizhal.ports.fakes;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.Tx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A single-threaded change log: entries with explicit txids and a settable current snapshot, selected by the window
 * rule of CHANGE-CAPTURE.md (committed after {@code sPrev}, visible in {@code sHi}).
 */
public final class InMemoryChangeLog implements ChangeLog {
    private final List<Entry> entries = new ArrayList<>();
    private PgSnapshot current = PgSnapshot.of(1, 1);
    private Meta meta = new Meta("fake-database", null, null);
    private long seq;
    private long writingTxid = -1;

    /** Appends an entry of transaction {@code txid} (its visibility is decided by the snapshots used). */
    public void append(long txid, String bucket, String table, String... keys) {
        entries.add(new Entry(txid, ++seq, bucket, table, 0, List.of(keys)));
    }

    public void setCurrentSnapshot(PgSnapshot snapshot) {
        this.current = snapshot;
    }

    public void setMeta(Meta meta) {
        this.meta = meta;
    }

    /** The transaction whose entries {@link #writtenBy} reports (the fake has no transactions of its own). */
    public void setWritingTransaction(long txid) {
        this.writingTxid = txid;
    }

    @Override
    public Logged loggedSince(Tx tx, long after) {
        Set<String> buckets = new java.util.TreeSet<>();
        long position = after;
        for (Entry e : entries) {
            if (e.txid() == writingTxid && e.seq() > after) {
                buckets.add(e.bucket());
                position = Math.max(position, e.seq());
            }
        }
        return new Logged(buckets.isEmpty() ? Written.NOTHING : new Written(writingTxid, buckets), position);
    }

    @Override
    public List<Commit> committed(Tx tx, PgSnapshot sPrev, PgSnapshot sHi, int limit) {
        return entries.stream()
                .filter(e -> !sPrev.isVisible(e.txid()) && sHi.isVisible(e.txid()))
                .sorted(Comparator.comparingLong(Entry::txid).thenComparingLong(Entry::seq))
                .map(e -> new Commit(e.txid(), e.bucket()))
                .distinct()
                .limit(limit)
                .toList();
    }

    @Override
    public Meta meta(Tx tx) {
        return meta;
    }

    @Override
    public PgSnapshot currentSnapshot(Tx tx) {
        return current;
    }

    @Override
    public List<Entry> window(
            Tx tx, PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, Position after, int limitKeys) {
        List<Entry> window = entries.stream()
                .filter(e -> !sPrev.isVisible(e.txid()) && sHi.isVisible(e.txid()))
                .filter(e -> buckets.contains(e.bucket()))
                .sorted(Comparator.comparingLong(Entry::txid).thenComparingLong(Entry::seq))
                .toList();
        List<Entry> page = new ArrayList<>();
        int room = limitKeys;
        for (Entry e : window) {
            int from = 0;
            if (after != null) {
                int byTxid = Long.compare(e.txid(), after.txid());
                int bySeq = byTxid != 0 ? byTxid : Long.compare(e.seq(), after.seq());
                if (bySeq < 0) {
                    continue;
                }
                if (bySeq == 0) {
                    from = after.ordinal() + 1;
                }
            }
            if (room == 0 || from >= e.keys().size()) {
                if (room == 0) {
                    break;
                }
                continue;
            }
            int to = Math.min(e.keys().size(), from + room);
            page.add(new Entry(
                    e.txid(), e.seq(), e.bucket(), e.table(), from, e.keys().subList(from, to)));
            room -= to - from;
        }
        return page;
    }
}
