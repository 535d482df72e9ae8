package dev.nizhal.domain.cursor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A PostgreSQL {@code pg_snapshot} value: which transactions had finished when it was taken. A transaction id
 * (an {@code xid8}, kept in a {@code long}: the 64-bit counter of a real cluster never reaches 2^63) is visible when
 * it is below {@code xmax} and not in the in-flight list {@code xip}. Transactions below {@code xmin} are always
 * visible.
 *
 * <p>The in-flight list is kept sorted and without duplicates, so two snapshots that see the same transactions the
 * same way are equal. The constructor sorts and deduplicates what it is given (a port may read
 * {@code pg_snapshot_xip()} in any order); {@link #parse} only accepts the canonical text that PostgreSQL prints.
 *
 * @param xmin the oldest transaction still in flight (or {@code xmax} when none is); at least 1, as PostgreSQL
 *     refuses the invalid transaction id 0
 * @param xmax the first transaction id not yet assigned when the snapshot was taken; at least {@code xmin}
 * @param xip the transactions in flight, each in {@code [xmin, xmax)}; immutable, ascending, distinct
 */
public record PgSnapshot(long xmin, long xmax, List<Long> xip) {

    public PgSnapshot {
        if (xmin < 1) {
            throw new IllegalArgumentException("xmin must be a valid transaction id (at least 1), was " + xmin);
        }
        if (xmax < xmin) {
            throw new IllegalArgumentException("xmax " + xmax + " is below xmin " + xmin);
        }
        List<Long> sorted = new ArrayList<>(Objects.requireNonNull(xip, "xip"));
        Collections.sort(sorted); // throws NullPointerException on a null element, which is what we want
        List<Long> distinct = new ArrayList<>(sorted.size());
        for (Long txid : sorted) {
            if (txid < xmin || txid >= xmax) {
                throw new IllegalArgumentException(
                        "in-flight transaction " + txid + " is outside [" + xmin + ", " + xmax + ")");
            }
            if (distinct.isEmpty() || !distinct.getLast().equals(txid)) {
                distinct.add(txid);
            }
        }
        xip = List.copyOf(distinct);
    }

    /** A snapshot with the given bounds and in-flight transactions (in any order). */
    public static PgSnapshot of(long xmin, long xmax, Long... xip) {
        return new PgSnapshot(xmin, xmax, List.of(xip));
    }

    /**
     * Reads the text form PostgreSQL prints for a {@code pg_snapshot}: {@code xmin:xmax:xip1,xip2,...}, e.g.
     * {@code 10:20:10,14,15} or {@code 20:20:}.
     *
     * <p>Strict on purpose: the text comes from our own database, so anything else is a bug worth failing on rather
     * than a value to guess at. Only ASCII decimal digits without sign, blanks or leading zeros; the in-flight list
     * strictly ascending; {@code 1 <= xmin <= xip < xmax}. As a result {@code parse(s).text().equals(s)} for every
     * accepted {@code s}.
     *
     * @throws IllegalArgumentException if {@code text} is not a canonical snapshot (the message says why)
     * @throws NullPointerException if {@code text} is null
     */
    public static PgSnapshot parse(String text) {
        Objects.requireNonNull(text, "text");
        int firstColon = text.indexOf(':');
        int secondColon = firstColon < 0 ? -1 : text.indexOf(':', firstColon + 1);
        if (secondColon < 0) {
            throw new IllegalArgumentException("not a pg_snapshot (expected xmin:xmax:xip,...): " + quote(text));
        }
        long xmin = parseTxid(text, 0, firstColon);
        long xmax = parseTxid(text, firstColon + 1, secondColon);
        List<Long> xip = new ArrayList<>();
        int start = secondColon + 1;
        if (start < text.length()) {
            while (true) {
                int comma = text.indexOf(',', start);
                int end = comma < 0 ? text.length() : comma;
                long txid = parseTxid(text, start, end);
                if (!xip.isEmpty() && txid <= xip.getLast()) {
                    throw new IllegalArgumentException(
                            "in-flight list of a pg_snapshot is not strictly ascending: " + quote(text));
                }
                xip.add(txid);
                if (comma < 0) {
                    break;
                }
                start = comma + 1;
            }
        }
        return new PgSnapshot(xmin, xmax, xip);
    }

    private static long parseTxid(String text, int start, int end) {
        if (start >= end) {
            throw new IllegalArgumentException("empty transaction id in pg_snapshot: " + quote(text));
        }
        if (text.charAt(start) == '0' && end - start > 1) {
            throw new IllegalArgumentException("transaction id with a leading zero in pg_snapshot: " + quote(text));
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            // Character.isDigit would accept other scripts' digits; PostgreSQL prints ASCII only.
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a transaction id in pg_snapshot: " + quote(text));
            }
            try {
                value = Math.addExact(Math.multiplyExact(value, 10), c - '0');
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("transaction id out of range in pg_snapshot: " + quote(text), e);
            }
        }
        return value;
    }

    private static String quote(String text) {
        // Keep exception messages short even for a huge input.
        return text.length() <= 80
                ? '"' + text + '"'
                : '"' + text.substring(0, 80) + "...\" (" + text.length() + " chars)";
    }

    /** The text form PostgreSQL prints and {@link #parse} reads: {@code xmin:xmax:xip1,xip2}. */
    public String text() {
        StringBuilder text =
                new StringBuilder().append(xmin).append(':').append(xmax).append(':');
        for (int i = 0; i < xip.size(); i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(xip.get(i));
        }
        return text.toString();
    }

    /** Same as {@link #text()}, so a snapshot prints the way PostgreSQL prints it. */
    @Override
    public String toString() {
        return text();
    }

    /**
     * Whether transaction {@code txid} had finished (committed or aborted) when this snapshot was taken, as
     * PostgreSQL's {@code pg_visible_in_snapshot(txid, snapshot)} answers it: below {@code xmax} and not in flight.
     * Below {@code xmin} that is always true, since every in-flight id is at least {@code xmin}.
     */
    public boolean isVisible(long txid) {
        return txid < xmax && Collections.binarySearch(xip, txid) < 0;
    }

    /**
     * Whether everything visible in {@code other} is visible in this snapshot, by the rule of CHANGE-CAPTURE.md
     * "Retention": {@code xmax(other) <= xmax(this)} and every in-flight transaction of this snapshot below
     * {@code xmax(other)} is in flight in {@code other} too.
     *
     * <p>The rule is sufficient, and slightly conservative: it answers false when {@code other} has a higher
     * {@code xmax} even if every id in between happened to be in flight in {@code other}. Being conservative only
     * costs a needless reset, never a gap.
     */
    public boolean seesEverythingVisibleIn(PgSnapshot other) {
        if (other.xmax > xmax) {
            return false;
        }
        for (long txid : xip) {
            if (txid >= other.xmax) {
                break; // xip is ascending: the rest is above other's xmax as well
            }
            if (Collections.binarySearch(other.xip, txid) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * This snapshot with at most {@code n} in-flight transactions, for a cursor of bounded size: when there are more,
     * keep the {@code n} oldest and lower {@code xmax} to the next one, the {@code (n+1)}-th oldest.
     *
     * <p>Why that is safe: the result sees a transaction only if it is below the new {@code xmax} and not among the
     * kept ones; every dropped in-flight id is at or above the new {@code xmax}, so such a transaction is not in
     * flight here either, and it is below the original {@code xmax}. So the result sees a subset of what this
     * snapshot sees. A window is "visible in {@code S_hi} but not in {@code S_prev}": with a smaller {@code S_hi} the
     * transactions it no longer sees fall into the next window; with a smaller {@code S_prev} the next window starts
     * earlier and re-delivers some changes. Either way a change can only be delivered again, never lost. Use the
     * limited snapshot for every query that the cursor stands for, not only in the cursor.
     *
     * <p>The price is progress: a window cannot reach past the {@code (n+1)}-th oldest transaction still open, so
     * {@code n} must exceed the number of long transactions a database is expected to keep open at once.
     *
     * @param n how many in-flight transactions to keep, at least 0
     * @return this snapshot when it has at most {@code n} in-flight transactions
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public PgSnapshot limitInFlight(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cannot keep a negative number of in-flight transactions: " + n);
        }
        if (xip.size() <= n) {
            return this;
        }
        return new PgSnapshot(xmin, xip.get(n), xip.subList(0, n));
    }
}
