package dev.nizhal.domain.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class PgSnapshotPropertiesTest {

    @Property
    void limitInFlightSeesASubsetOfWhatTheOriginalSees(
            @ForAll("snapshots") PgSnapshot original, @ForAll @IntRange(min = 0, max = 40) int n) {
        PgSnapshot limited = original.limitInFlight(n);

        for (long txid = Math.max(0, original.xmin() - 3); txid <= original.xmax() + 3; txid++) {
            if (limited.isVisible(txid)) {
                assertThat(original.isVisible(txid))
                        .as("%s visible in %s but not in %s", txid, limited, original)
                        .isTrue();
            }
        }
        assertThat(original.seesEverythingVisibleIn(limited)).isTrue();
    }

    @Property
    void limitInFlightKeepsAtMostNAndLosesNothingBelowTheNewXmax(
            @ForAll("snapshots") PgSnapshot original, @ForAll @IntRange(min = 0, max = 40) int n) {
        PgSnapshot limited = original.limitInFlight(n);

        assertThat(limited.xip()).hasSizeLessThanOrEqualTo(n);
        assertThat(limited.xmin()).isEqualTo(original.xmin());
        assertThat(limited.xmax()).isLessThanOrEqualTo(original.xmax());
        // Below the new xmax the two agree exactly: limiting costs re-delivery above it, nothing else.
        for (long txid = original.xmin(); txid < limited.xmax(); txid++) {
            assertThat(limited.isVisible(txid)).isEqualTo(original.isVisible(txid));
        }
        if (original.xip().size() <= n) {
            assertThat(limited).isEqualTo(original);
        } else {
            assertThat(limited.xip()).hasSize(n);
        }
    }

    @Property
    void textRoundTrips(@ForAll("snapshots") PgSnapshot snapshot) {
        assertThat(PgSnapshot.parse(snapshot.text())).isEqualTo(snapshot);
    }

    @Property
    void seesEverythingVisibleInImpliesVisibilityIsASubset(
            @ForAll("smallSnapshots") PgSnapshot newer, @ForAll("smallSnapshots") PgSnapshot mark) {
        if (newer.seesEverythingVisibleIn(mark)) {
            for (long txid = 0; txid <= Math.max(newer.xmax(), mark.xmax()) + 2; txid++) {
                if (mark.isVisible(txid)) {
                    assertThat(newer.isVisible(txid))
                            .as("%s visible in %s but not in %s", txid, mark, newer)
                            .isTrue();
                }
            }
        }
    }

    @Property
    void aSnapshotWithNothingNewInFlightSeesEverythingVisibleInAnOlderOne(@ForAll("smallSnapshots") PgSnapshot older) {
        // A later snapshot taken after every transaction in flight in `older` finished sees all of `older`.
        PgSnapshot later = PgSnapshot.of(older.xmax(), older.xmax() + 5);

        assertThat(later.seesEverythingVisibleIn(older)).isTrue();
    }

    @Provide
    Arbitrary<PgSnapshot> snapshots() {
        return snapshots(Arbitraries.longs().between(1, 1_000_000_000_000L), 200);
    }

    /** Snapshots over a few ids, so that two of them overlap often enough to make subset checks interesting. */
    @Provide
    Arbitrary<PgSnapshot> smallSnapshots() {
        return snapshots(Arbitraries.longs().between(1, 12), 12);
    }

    private static Arbitrary<PgSnapshot> snapshots(Arbitrary<Long> xmins, int maxWidth) {
        return Combinators.combine(xmins, Arbitraries.integers().between(0, maxWidth))
                .flatAs((xmin, width) -> width == 0
                        ? Arbitraries.just(PgSnapshot.of(xmin, xmin))
                        : Arbitraries.longs()
                                .between(0, width - 1)
                                .list()
                                .ofMaxSize(Math.min(width, 60))
                                .map(offsets -> new PgSnapshot(
                                        xmin,
                                        xmin + width,
                                        offsets.stream().map(o -> xmin + o).toList())));
    }
}
