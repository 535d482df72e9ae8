package dev.nizhal.domain.cursor;

import static dev.nizhal.domain.cursor.RandomCases.between;
import static dev.nizhal.domain.cursor.RandomCases.forEachCase;
import static dev.nizhal.domain.cursor.RandomCases.oneIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of {@link PgSnapshot} on random snapshots; see {@link RandomCases} for seeds and reruns. */
class PgSnapshotPropertiesTest {

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void limitInFlightSeesASubsetOfWhatTheOriginalSees(long seed) {
        forEachCase(seed, random -> {
            PgSnapshot original = snapshot(random);
            int n = inFlightLimit(random, original);
            PgSnapshot limited = original.limitInFlight(n);

            for (long txid = Math.max(0, original.xmin() - 3); txid <= original.xmax() + 3; txid++) {
                if (limited.isVisible(txid)) {
                    assertThat(original.isVisible(txid))
                            .as("seed %d: %s visible in %s but not in %s", seed, txid, limited, original)
                            .isTrue();
                }
            }
            assertThat(original.seesEverythingVisibleIn(limited))
                    .as("seed %d: %s sees everything visible in %s", seed, original, limited)
                    .isTrue();
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void limitInFlightKeepsAtMostNAndLosesNothingBelowTheNewXmax(long seed) {
        forEachCase(seed, random -> {
            PgSnapshot original = snapshot(random);
            int n = inFlightLimit(random, original);
            PgSnapshot limited = original.limitInFlight(n);
            String context = "seed %d: %s limited to %d in flight is %s".formatted(seed, original, n, limited);

            assertThat(limited.xip()).as(context).hasSizeLessThanOrEqualTo(n);
            assertThat(limited.xmin()).as(context).isEqualTo(original.xmin());
            assertThat(limited.xmax()).as(context).isLessThanOrEqualTo(original.xmax());
            // Below the new xmax the two agree exactly: limiting costs re-delivery above it, nothing else.
            for (long txid = original.xmin(); txid < limited.xmax(); txid++) {
                assertThat(limited.isVisible(txid))
                        .as("%s, txid %d", context, txid)
                        .isEqualTo(original.isVisible(txid));
            }
            if (original.xip().size() <= n) {
                assertThat(limited).as(context).isEqualTo(original);
            } else {
                assertThat(limited.xip()).as(context).hasSize(n);
            }
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void textRoundTrips(long seed) {
        forEachCase(seed, random -> {
            PgSnapshot snapshot = snapshot(random);

            assertThat(PgSnapshot.parse(snapshot.text())).as("seed %d", seed).isEqualTo(snapshot);
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void seesEverythingVisibleInImpliesVisibilityIsASubset(long seed) {
        forEachCase(seed, random -> {
            PgSnapshot newer = smallSnapshot(random);
            PgSnapshot mark = smallSnapshot(random);

            if (newer.seesEverythingVisibleIn(mark)) {
                for (long txid = 0; txid <= Math.max(newer.xmax(), mark.xmax()) + 2; txid++) {
                    if (mark.isVisible(txid)) {
                        assertThat(newer.isVisible(txid))
                                .as("seed %d: %s visible in %s but not in %s", seed, txid, mark, newer)
                                .isTrue();
                    }
                }
            }
        });
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource(RandomCases.SEEDS)
    void aSnapshotWithNothingNewInFlightSeesEverythingVisibleInAnOlderOne(long seed) {
        forEachCase(seed, random -> {
            PgSnapshot older = smallSnapshot(random);
            // A later snapshot taken after every transaction in flight in `older` finished sees all of `older`.
            PgSnapshot later = PgSnapshot.of(older.xmax(), older.xmax() + 5);

            assertThat(later.seesEverythingVisibleIn(older))
                    .as("seed %d: %s sees everything visible in %s", seed, later, older)
                    .isTrue();
        });
    }

    private static PgSnapshot snapshot(SplittableRandom random) {
        return RandomCases.snapshot(random, 1_000_000_000_000L, 200, 60);
    }

    /** Snapshots over a few ids, so that two of them overlap often enough to make subset checks interesting. */
    private static PgSnapshot smallSnapshot(SplittableRandom random) {
        return RandomCases.snapshot(random, 12, 12, 12);
    }

    /** A limit in [0, 40], now and then exactly the number in flight, where keeping all turns into dropping one. */
    private static int inFlightLimit(SplittableRandom random, PgSnapshot snapshot) {
        return oneIn(random, 8) ? Math.min(snapshot.xip().size(), 40) : between(random, 0, 40);
    }
}
