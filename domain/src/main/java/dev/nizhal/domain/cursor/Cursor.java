package dev.nizhal.domain.cursor;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where one client stands in one sync rule: everything a pull needs to continue, handed to the client as an opaque
 * signed token by {@link CursorCodec} (CHANGE-CAPTURE.md "The cursor").
 *
 * <p>Strings must be well-formed Unicode (no unpaired surrogate): they travel as UTF-8, as PostgreSQL text does.
 * Bucket keys and row keys are otherwise opaque.
 *
 * @param protocolVersion the wire protocol version the cursor was issued under, at least 1
 * @param databaseIdentity the random identity stored in {@code nizhal.meta}; a restore or failover rotates it
 * @param planHash the compiled plan's hash, lower-case hexadecimal with an even number of digits
 * @param actorId the actor the cursor was issued to
 * @param clientId the client the cursor was issued to
 * @param rule the sync rule the cursor belongs to
 * @param sPrev the window's lower snapshot (exclusive)
 * @param sHi the window's upper snapshot (inclusive), fixed until the window is drained
 * @param drained whether every log entry of the window {@code (sPrev, sHi]} has been delivered
 * @param position the paging position inside the window, or {@code null} when no page of it has been read (and
 *     always {@code null} once the window is drained)
 * @param loading the buckets whose initial load is in progress, each bucket key at most once; immutable
 * @param responseCounter counts the responses issued on this chain of cursors, so that every response's cursor
 *     differs and the client's compare-and-set on its stored cursor is exact; at least 0
 */
public record Cursor(
        int protocolVersion,
        String databaseIdentity,
        String planHash,
        String actorId,
        String clientId,
        String rule,
        PgSnapshot sPrev,
        PgSnapshot sHi,
        boolean drained,
        Position position,
        List<Loading> loading,
        long responseCounter) {

    public Cursor {
        Text.requireScope(protocolVersion, databaseIdentity, planHash, actorId, clientId, rule);
        Objects.requireNonNull(sPrev, "sPrev");
        Objects.requireNonNull(sHi, "sHi");
        if (drained && position != null) {
            // A drained window has nothing left to page through; a position there would be read by nobody.
            throw new IllegalArgumentException("a drained window has no paging position");
        }
        loading = List.copyOf(loading);
        Set<String> bucketKeys = new HashSet<>();
        for (Loading load : loading) {
            if (!bucketKeys.add(load.bucketKey())) {
                throw new IllegalArgumentException("bucket " + load.bucketKey() + " is loading twice");
            }
        }
        if (responseCounter < 0) {
            throw new IllegalArgumentException("response counter must not be negative, was " + responseCounter);
        }
    }

    /**
     * Whether this cursor is older than the retention mark {@code mark} stored in {@code nizhal.meta}, so change-log
     * rows it still needs may have been deleted (CHANGE-CAPTURE.md "Retention"). It is valid only if everything
     * visible in {@code mark} is visible in {@code sPrev}: {@code xmax(mark) <= xmax(sPrev)} and every in-flight
     * transaction of {@code sPrev} below {@code xmax(mark)} is in flight in {@code mark}.
     *
     * <p>{@code sHi} needs no check: retention deletes only rows visible in {@code mark}, and the window reads only
     * rows not visible in {@code sPrev}, which then are not visible in {@code mark} either.
     */
    public boolean isPastRetention(PgSnapshot mark) {
        return !sPrev.seesEverythingVisibleIn(mark);
    }

    /**
     * Whether this cursor names transactions the database has not assigned yet: the {@code xmax} of {@code sHi} or
     * {@code sPrev} above {@code currentXmax}, the {@code xmax} of the database's current snapshot. That happens after
     * a restore or a failover to a replica that was behind; continuing would skip every transaction the database
     * assigns up to the cursor's {@code xmax}.
     */
    public boolean isFromTheFuture(long currentXmax) {
        return sHi.xmax() > currentXmax || sPrev.xmax() > currentXmax;
    }

    /**
     * Where paging stands inside a window: the last log entry delivered, as the window's order {@code (txid, seq)},
     * and the position of the last delivered key inside that entry's key array (one bulk statement is one entry with
     * many keys).
     *
     * @param txid the entry's transaction id, at least 0
     * @param seq the entry's {@code seq}, at least 0
     * @param ordinal the index in the entry's {@code pks}, at least 0
     */
    public record Position(long txid, long seq, int ordinal) {
        public Position {
            if (txid < 0 || seq < 0 || ordinal < 0) {
                throw new IllegalArgumentException(
                        "a paging position is not negative: txid " + txid + ", seq " + seq + ", ordinal " + ordinal);
            }
        }
    }

    /**
     * A bucket whose initial load is in progress.
     *
     * @param bucketKey the bucket, e.g. {@code sharedLists[42]}; not empty
     * @param tableIndex which of the rule's tables the load is reading, at least 0
     * @param lastKey the last row key read from that table, or {@code null} when no page of it has been read (an
     *     empty string is a real key: a text primary key may be empty)
     * @param beganInCurrentWindow whether the load began in the request that started the current window; such a
     *     bucket joins log-entry selection only from the next window
     */
    public record Loading(String bucketKey, int tableIndex, String lastKey, boolean beganInCurrentWindow) {
        public Loading {
            Text.requireNonEmpty(bucketKey, "bucketKey");
            if (tableIndex < 0) {
                throw new IllegalArgumentException("table index must not be negative, was " + tableIndex);
            }
            if (lastKey != null) {
                Text.requireWellFormed(lastKey, "lastKey");
            }
        }
    }
}
