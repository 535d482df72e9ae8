package dev.nizhal.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What broke an invariant during a fault run, collected from every client thread and reported at the end with the
 * seed, so that one run shows all the ways it failed and can be rerun.
 */
final class Violations {
    private static final int KEPT = 50;

    private final List<String> kept = new ArrayList<>();
    private final AtomicLong count = new AtomicLong();

    void add(String what) {
        count.incrementAndGet();
        synchronized (kept) {
            if (kept.size() < KEPT) {
                kept.add(what);
            }
        }
    }

    long count() {
        return count.get();
    }

    /** The first ones (at most 50), one per line. */
    String describe() {
        synchronized (kept) {
            return count.get() + " violation(s), the first ones:\n  " + String.join("\n  ", kept);
        }
    }
}
