package dev.nizhal.domain.cursor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.LongStream;

/**
 * Seeds and small generators for the randomised cursor tests. A test method takes a seed from {@link #seeds()} and
 * runs {@link #CASES} cases from it with {@link #forEachCase}: the same seed gives the same cases, so a failure,
 * whose message names its seed, reruns with {@code -Dnizhal.test.seed=<seed>}, e.g.
 * {@code ./build -pl domain verify -Dtest=PgSnapshotPropertiesTest -Dnizhal.test.seed=42}.
 */
final class RandomCases {
    private RandomCases() {}

    /** For {@code @MethodSource}: the seeds each randomised test runs with. */
    static final String SEEDS = "dev.nizhal.domain.cursor.RandomCases#seeds";

    /** Cases per seed. */
    static final int CASES = 1_000;

    private static final long[] FIXED_SEEDS = {1L, 42L, 8_675_309L};

    /** One seed for the whole run, shared by every test method, different on every run. */
    private static final long RUN_SEED = new SplittableRandom().nextLong();

    /** The fixed seeds and this run's random one; only the seed in {@code nizhal.test.seed} when that is set. */
    static LongStream seeds() {
        String chosen = System.getProperty("nizhal.test.seed", "").strip();
        if (!chosen.isEmpty()) {
            return LongStream.of(Long.parseLong(chosen));
        }
        return LongStream.concat(LongStream.of(FIXED_SEEDS), LongStream.of(RUN_SEED));
    }

    /**
     * Runs {@code oneCase} {@link #CASES} times, drawing from one generator seeded with {@code seed}. Assertions name
     * the seed themselves ({@code .as("seed %d", seed)}); any other exception is wrapped into a failure that does.
     */
    static void forEachCase(long seed, Consumer<SplittableRandom> oneCase) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++) {
            try {
                oneCase.accept(random);
            } catch (RuntimeException e) {
                throw new AssertionError("seed %d, case %d threw %s".formatted(seed, i, e), e);
            }
        }
    }

    /**
     * A number in {@code [min, max]}: often {@code min} or {@code max} themselves, often in a small range above
     * {@code min} (so short varints and short lists come up as often as long ones), otherwise uniform.
     */
    static long between(SplittableRandom random, long min, long max) {
        long span = max - min;
        if (span < 0) {
            throw new IllegalArgumentException("empty or too wide a range: [" + min + ", " + max + "]");
        }
        return switch (random.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            case 2, 3 -> min + upTo(random, span >>> random.nextInt(64));
            default -> min + upTo(random, span);
        };
    }

    static int between(SplittableRandom random, int min, int max) {
        return Math.toIntExact(between(random, (long) min, max));
    }

    /** True with probability {@code 1/n}. */
    static boolean oneIn(SplittableRandom random, int n) {
        return random.nextInt(n) == 0;
    }

    private static long upTo(SplittableRandom random, long max) {
        return max == Long.MAX_VALUE ? random.nextLong() >>> 1 : random.nextLong(max + 1);
    }

    /**
     * A snapshot with {@code xmin} in {@code [1, maxXmin]}, {@code xmax - xmin} in {@code [0, maxWidth]} and up to
     * {@code maxInFlight} in-flight ids drawn from {@code [xmin, xmax)} (repeats are dropped, so often fewer).
     */
    static PgSnapshot snapshot(SplittableRandom random, long maxXmin, long maxWidth, int maxInFlight) {
        long xmin = between(random, 1, maxXmin);
        long width = between(random, 0, maxWidth);
        int count = width == 0 ? 0 : between(random, 0, (int) Math.min(width, maxInFlight));
        List<Long> xip = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            xip.add(xmin + between(random, 0, width - 1));
        }
        return new PgSnapshot(xmin, xmin + width, xip);
    }

    static byte[] bytes(SplittableRandom random, int minLength, int maxLength) {
        byte[] bytes = new byte[between(random, minLength, maxLength)];
        random.nextBytes(bytes);
        return bytes;
    }
}
