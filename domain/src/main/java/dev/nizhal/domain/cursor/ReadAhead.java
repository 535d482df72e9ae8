package dev.nizhal.domain.cursor;

/**
 * How far a read bounded by size looks ahead, in rows (an initial-load page's fetches) or keys (a window's reads of
 * changed rows): the first step {@link #FIRST} of them, then those that would still fit in the bound if each were as
 * wide as the widest so far, at most {@link #GROWTH} times the rows found so far (a cap never below {@code GROWTH}
 * times {@code FIRST}). So rows as wide as those before them stop near the bound, a run of rows much wider than every
 * row before it is read at most {@code GROWTH} times the rows found so far at once, and narrow rows take a few steps
 * (4, 64, 1,088, ...). A window's keys without a row (deleted, or moved out of the buckets read) tell nothing of the
 * width of the rows after them, so they do not make the steps grow: after any number of them a step holds at most
 * {@code GROWTH * FIRST} keys until {@code FIRST} rows are found. For a load page, where every row read is found, the
 * steps after its first four rows are those of the rows read.
 */
public final class ReadAhead {
    /** The first step. */
    public static final int FIRST = 4;

    /** How many times the rows found so far a next step may hold. */
    public static final int GROWTH = 16;

    /**
     * The most a step holds while fewer than {@link #FIRST} rows were found, whatever was read: {@code GROWTH} times
     * {@code FIRST}. A window whose run names several tables of which nothing told the width yet holds this many of
     * their keys in all.
     */
    public static final int UNKNOWN_WIDTH = GROWTH * FIRST;

    private ReadAhead() {}

    /**
     * The next step, at least 1 and at most {@code left} (when {@code left} is at least 1), after {@code read} rows or
     * keys of which {@code found} had a row, those rows holding {@code bytes} of a bound of {@code maxBytes}, the widest
     * {@code widest} bytes (0 when none was found).
     */
    public static int step(int read, int found, long bytes, long widest, long maxBytes, long left) {
        if (read == 0) {
            return (int) Math.max(1, Math.min(left, FIRST));
        }
        long fit = widest == 0 ? Long.MAX_VALUE : bytes >= maxBytes ? 1 : (maxBytes - bytes + widest - 1) / widest;
        long grown = (long) GROWTH * Math.max(found, FIRST);
        return (int) Math.max(1, Math.min(left, Math.min(fit, grown)));
    }
}
