package dev.nizhal.domain.cursor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PgSnapshotTest {

    @Test
    void parsesTheTextPostgresqlPrints() {
        PgSnapshot snapshot = PgSnapshot.parse("10:20:10,14,15");

        assertThat(snapshot.xmin()).isEqualTo(10);
        assertThat(snapshot.xmax()).isEqualTo(20);
        assertThat(snapshot.xip()).containsExactly(10L, 14L, 15L);
    }

    @Test
    void parsesASnapshotWithNothingInFlight() {
        PgSnapshot snapshot = PgSnapshot.parse("20:20:");

        assertThat(snapshot).isEqualTo(PgSnapshot.of(20, 20));
        assertThat(snapshot.xip()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"20:20:", "1:1:", "10:20:10,14,15", "3:9223372036854775807:3,9223372036854775806"})
    void printsBackExactlyTheTextItParsed(String text) {
        assertThat(PgSnapshot.parse(text).text()).isEqualTo(text);
        assertThat(PgSnapshot.parse(text)).hasToString(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "10",
                "10:20",
                "10:20:,",
                "10:20:11,",
                "10:20:,11",
                "10:20:11,,12",
                ":20:",
                "10::",
                "0:20:", // 0 is not a valid transaction id
                "20:10:", // xmax below xmin
                "10:20:9", // in flight below xmin
                "10:20:20", // in flight at xmax
                "10:20:14,12", // not ascending
                "10:20:14,14", // duplicate
                "010:20:", // leading zero
                "+10:20:",
                "-1:20:",
                " 10:20:",
                "10:20: 11",
                "10:20:11 ",
                "10:20:11:",
                "1:9223372036854775808:", // above 2^63 - 1
                "1:99999999999999999999999:",
                "1\u0661:20:", // ARABIC-INDIC DIGIT ONE is a digit, but not one PostgreSQL prints
                "10:20:0x11"
            })
    void refusesAnythingButTheCanonicalText(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> PgSnapshot.parse(text));
    }

    @Test
    void refusesNullText() {
        assertThatThrownBy(() -> PgSnapshot.parse(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void constructorSortsAndDeduplicatesTheInFlightList() {
        PgSnapshot snapshot = new PgSnapshot(10, 20, List.of(15L, 10L, 15L, 12L));

        assertThat(snapshot.xip()).containsExactly(10L, 12L, 15L);
        assertThat(snapshot).isEqualTo(PgSnapshot.parse("10:20:10,12,15"));
    }

    @Test
    void inFlightListIsACopyThatCannotBeChanged() {
        List<Long> xip = new ArrayList<>(List.of(12L));
        PgSnapshot snapshot = new PgSnapshot(10, 20, xip);
        xip.add(13L);

        assertThat(snapshot.xip()).containsExactly(12L);
        assertThatThrownBy(() -> snapshot.xip().add(14L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void constructorRefusesImpossibleSnapshots() {
        assertThatIllegalArgumentException().isThrownBy(() -> PgSnapshot.of(0, 5));
        assertThatIllegalArgumentException().isThrownBy(() -> PgSnapshot.of(6, 5));
        assertThatIllegalArgumentException().isThrownBy(() -> PgSnapshot.of(5, 10, 4L));
        assertThatIllegalArgumentException().isThrownBy(() -> PgSnapshot.of(5, 10, 10L));
        List<Long> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> new PgSnapshot(5, 10, withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void visibilityFollowsPgVisibleInSnapshot() {
        PgSnapshot snapshot = PgSnapshot.parse("10:20:10,14");

        assertThat(snapshot.isVisible(3)).as("below xmin").isTrue();
        assertThat(snapshot.isVisible(10)).as("in flight at xmin").isFalse();
        assertThat(snapshot.isVisible(11)).as("finished between xmin and xmax").isTrue();
        assertThat(snapshot.isVisible(14)).as("in flight").isFalse();
        assertThat(snapshot.isVisible(19)).as("just below xmax").isTrue();
        assertThat(snapshot.isVisible(20)).as("at xmax").isFalse();
        assertThat(snapshot.isVisible(21)).as("above xmax").isFalse();
    }

    @Test
    void limitInFlightKeepsTheOldestAndLowersXmaxToTheNextOne() {
        PgSnapshot snapshot = PgSnapshot.parse("10:100:10,20,30,40,50");

        assertThat(snapshot.limitInFlight(2)).isEqualTo(PgSnapshot.parse("10:30:10,20"));
        assertThat(snapshot.limitInFlight(0)).isEqualTo(PgSnapshot.parse("10:10:"));
    }

    @Test
    void limitInFlightLeavesASmallEnoughSnapshotAlone() {
        PgSnapshot snapshot = PgSnapshot.parse("10:100:10,20,30");

        assertThat(snapshot.limitInFlight(3)).isSameAs(snapshot);
        assertThat(snapshot.limitInFlight(64)).isSameAs(snapshot);
    }

    @Test
    void limitInFlightRefusesANegativeLimit() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PgSnapshot.of(1, 1).limitInFlight(-1));
    }

    @Test
    void seesEverythingVisibleInAnOlderSnapshotWhoseInFlightTransactionsItSawFinish() {
        PgSnapshot mark = PgSnapshot.parse("10:20:10,14");

        assertThat(PgSnapshot.parse("10:20:10,14").seesEverythingVisibleIn(mark))
                .as("itself")
                .isTrue();
        assertThat(PgSnapshot.parse("14:30:14,25").seesEverythingVisibleIn(mark))
                .isTrue();
        assertThat(PgSnapshot.parse("30:30:").seesEverythingVisibleIn(mark)).isTrue();
    }

    @Test
    void doesNotSeeEverythingVisibleInASnapshotWithAHigherXmax() {
        assertThat(PgSnapshot.parse("10:20:").seesEverythingVisibleIn(PgSnapshot.parse("10:21:")))
                .isFalse();
    }

    @Test
    void doesNotSeeEverythingVisibleInASnapshotThatSawOneOfItsInFlightTransactionsFinish() {
        PgSnapshot mark = PgSnapshot.parse("10:20:10");

        // 12 is visible in the mark (finished below its xmax) but in flight here.
        assertThat(PgSnapshot.parse("10:30:12").seesEverythingVisibleIn(mark)).isFalse();
        // 25 is in flight here too, but above the mark's xmax, so the mark does not see it either.
        assertThat(PgSnapshot.parse("10:30:10,25").seesEverythingVisibleIn(mark))
                .isTrue();
    }
}
