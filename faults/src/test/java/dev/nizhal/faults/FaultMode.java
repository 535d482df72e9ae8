package dev.nizhal.faults;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The suite's size: {@code short} (the default, CI: minutes) or {@code long} ({@code -Dfaults=long}, which sets the
 * system property {@code faults.mode}: at least a million randomized operations in all). {@code -Dfaults.seed=N}
 * reruns a seed.
 */
final class FaultMode {
    private FaultMode() {}

    static boolean isLong() {
        return "long".equalsIgnoreCase(System.getProperty("faults.mode", "short"));
    }

    /** {@code shortValue} or, in the long mode, {@code longValue}. */
    static long pick(long shortValue, long longValue) {
        return isLong() ? longValue : shortValue;
    }

    /** The seed of this run: {@code faults.seed} when given, else a random one (printed by every test). */
    static long seed() {
        String given = System.getProperty("faults.seed");
        return given != null && !given.isBlank()
                ? Long.parseLong(given.strip())
                : ThreadLocalRandom.current().nextLong();
    }

    /** {@link #seed()}, printed with how to run {@code test} again with it. */
    static long seed(String test) {
        long seed = seed();
        System.out.println(test + " seed=" + seed + " (rerun with -Dfaults.seed=" + seed + ")");
        return seed;
    }

    static String name() {
        return isLong() ? "long" : "short";
    }
}
