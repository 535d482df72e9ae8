package dev.nizhal.ports.out;

import dev.nizhal.domain.cursor.PgSnapshot;
import java.util.List;
import java.util.Set;

/**
 * The change log the capture triggers write: per statement, one entry per (bucket, table) with the changed keys.
 * Read by windows between two snapshots (CHANGE-CAPTURE.md).
 */
public interface ChangeLog {

    /** The snapshot of the transaction {@code tx} ({@code pg_current_snapshot()}). */
    PgSnapshot currentSnapshot(Tx tx);

    /**
     * The entries committed after {@code sPrev} and visible in {@code sHi}, for {@code buckets}, strictly after
     * {@code after} (null: from the start), ordered by (txid, seq), holding at most {@code limitKeys} keys in all
     * (an entry may be cut: its {@code firstOrdinal} tells where it starts).
     */
    List<Entry> window(Tx tx, PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, Position after, int limitKeys);

    /**
     * What the capture triggers logged in {@code tx} so far (a mutation's affected buckets), with the transaction's
     * id so that the realtime poller can tell this commit, already poked in process, from others.
     */
    default Written writtenBy(Tx tx) {
        return loggedSince(tx, 0).written();
    }

    /**
     * What the capture triggers logged in {@code tx} after its entry at {@code after} (0: from the start), and the
     * position of its last entry, to pass next: the entries of each of several mutations that share a transaction,
     * one after the other. The position is {@code after} when nothing was logged since.
     */
    Logged loggedSince(Tx tx, long after);

    /**
     * The distinct (transaction, bucket) pairs of the entries committed after {@code sPrev} and visible in {@code
     * sHi} (the same window as {@link #window}, for every bucket), at most {@code limit} of them: what the realtime
     * poller pokes. A result of {@code limit} pairs may be cut.
     */
    List<Commit> committed(Tx tx, PgSnapshot sPrev, PgSnapshot sHi, int limit);

    /** Nizhal's own facts in {@code nizhal.meta}, as {@code tx} sees them. */
    Meta meta(Tx tx);

    /**
     * @param identity the database identity (random, written once; {@code nizhal rotate-identity} replaces it)
     * @param planHash the hash of the compiled plan the capture triggers were generated from, or null before migrate
     * @param retentionMark the snapshot mark up to which the change log was trimmed, or null when never trimmed
     */
    record Meta(String identity, String planHash, PgSnapshot retentionMark) {}

    /**
     * {@link #meta} and {@link #currentSnapshot} of {@code tx}, as a pull begins: an adapter reads both in one
     * statement where it can (a round trip less per pull).
     */
    default MetaAndSnapshot metaAndSnapshot(Tx tx) {
        Meta meta = meta(tx);
        return new MetaAndSnapshot(meta, currentSnapshot(tx));
    }

    /** What {@link #metaAndSnapshot} reads. */
    record MetaAndSnapshot(Meta meta, PgSnapshot snapshot) {}

    /** The bucket under which the TRUNCATE trigger of {@code table} logs its marker: every pull of it resets. */
    static String truncateBucket(String table) {
        return "truncate:" + table;
    }

    /**
     * @param txid the transaction's id, 0 when it wrote nothing (and has no id)
     * @param buckets the buckets it logged entries under
     */
    record Written(long txid, Set<String> buckets) {
        public Written {
            buckets = Set.copyOf(buckets);
        }

        public static final Written NOTHING = new Written(0, Set.of());
    }

    /**
     * @param written what was logged after the position asked for
     * @param position the position of the transaction's last entry (to ask from next)
     */
    record Logged(Written written, long position) {}

    /** A transaction that logged an entry under {@code bucket}. */
    record Commit(long txid, String bucket) {}

    /** A position inside a window: the key at {@code ordinal} of the entry (txid, seq). */
    record Position(long txid, long seq, int ordinal) {}

    /** One change-log entry (or the part of it a page holds). */
    record Entry(long txid, long seq, String bucket, String table, int firstOrdinal, List<String> keys) {
        public Entry {
            keys = List.copyOf(keys);
        }
    }
}
