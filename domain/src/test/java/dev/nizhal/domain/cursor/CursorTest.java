package dev.nizhal.domain.cursor;

import static dev.nizhal.domain.cursor.TestCursors.ACTOR;
import static dev.nizhal.domain.cursor.TestCursors.CLIENT;
import static dev.nizhal.domain.cursor.TestCursors.DATABASE;
import static dev.nizhal.domain.cursor.TestCursors.PLAN;
import static dev.nizhal.domain.cursor.TestCursors.RULE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {
    private static final PgSnapshot S = PgSnapshot.parse("100:110:100,105");

    private static Cursor cursor(
            String planHash, boolean drained, Cursor.Position position, List<Cursor.Loading> loading) {
        return new Cursor(1, DATABASE, planHash, ACTOR, CLIENT, RULE, S, S, drained, position, loading, 0);
    }

    @Test
    void loadingListIsACopyThatCannotBeChanged() {
        List<Cursor.Loading> loading = new ArrayList<>(List.of(new Cursor.Loading("a[]", 0, null, true)));
        Cursor cursor = cursor(PLAN, false, null, loading);
        loading.add(new Cursor.Loading("b[]", 0, null, true));

        assertThat(cursor.loading()).hasSize(1);
        assertThatThrownBy(() -> cursor.loading().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aDrainedWindowHasNoPagingPosition() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> cursor(PLAN, true, new Cursor.Position(100, 1, 0), List.of()))
                .withMessageContaining("drained");
        assertThat(cursor(PLAN, true, null, List.of()).drained()).isTrue();
        assertThat(cursor(PLAN, false, new Cursor.Position(100, 1, 0), List.of())
                        .position())
                .isEqualTo(new Cursor.Position(100, 1, 0));
    }

    @Test
    void aBucketLoadsAtMostOnce() {
        List<Cursor.Loading> twice =
                List.of(new Cursor.Loading("a[]", 0, null, true), new Cursor.Loading("a[]", 1, "k", false));

        assertThatIllegalArgumentException().isThrownBy(() -> cursor(PLAN, false, null, twice));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "ABCD", "zz", "12 34"})
    void planHashIsEvenLengthLowerCaseHex(String planHash) {
        assertThatIllegalArgumentException().isThrownBy(() -> cursor(planHash, false, null, List.of()));
    }

    @Test
    void stringsWithAnUnpairedSurrogateAreRefusedBecauseUtf8CannotCarryThem() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Loading("a[\uD800]", 0, null, true));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Loading("a[]", 0, "\uDC00x", true));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Loading("a[]", 0, "x\uD83D", true));
        assertThatIllegalArgumentException()
                .isThrownBy(() ->
                        new Cursor(1, DATABASE, PLAN, "actor\uDFFF", CLIENT, RULE, S, S, true, null, List.of(), 0));
        assertThat(new Cursor.Loading("a[\uD83D\uDE00]", 0, "\uD834\uDD1E", true).lastKey())
                .isEqualTo("𝄞");
    }

    @Test
    void anEmptyLastKeyIsARealKeyAndDiffersFromNoPageReadYet() {
        assertThat(new Cursor.Loading("a[]", 0, "", false).lastKey()).isEmpty();
        assertThat(new Cursor.Loading("a[]", 0, null, false).lastKey()).isNull();
    }

    @Test
    void refusesImpossibleValues() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Cursor(0, DATABASE, PLAN, ACTOR, CLIENT, RULE, S, S, true, null, List.of(), 0));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Cursor(1, "", PLAN, ACTOR, CLIENT, RULE, S, S, true, null, List.of(), 0));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Cursor(1, DATABASE, PLAN, ACTOR, CLIENT, RULE, S, S, true, null, List.of(), -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Position(-1, 0, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Position(0, -1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Position(0, 0, -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Loading("", 0, null, true));
        assertThatIllegalArgumentException().isThrownBy(() -> new Cursor.Loading("a[]", -1, null, true));
        assertThatThrownBy(() -> new Cursor(1, DATABASE, PLAN, ACTOR, CLIENT, RULE, null, S, true, null, List.of(), 0))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void isWithinRetentionWhenItsLowerSnapshotSeesEverythingTheMarkSees() {
        Cursor cursor = withSPrev(PgSnapshot.parse("100:110:100,105"));

        assertThat(cursor.isPastRetention(PgSnapshot.parse("90:95:90")))
                .as("older mark")
                .isFalse();
        assertThat(cursor.isPastRetention(PgSnapshot.parse("100:110:100,105")))
                .as("mark equal to S_prev")
                .isFalse();
        assertThat(cursor.isPastRetention(PgSnapshot.parse("100:106:100,105")))
                .as("mark saw 105 in flight too")
                .isFalse();
    }

    @Test
    void isPastRetentionWhenTheMarkHasAHigherXmax() {
        Cursor cursor = withSPrev(PgSnapshot.parse("100:110:100,105"));

        assertThat(cursor.isPastRetention(PgSnapshot.parse("110:111:110"))).isTrue();
    }

    @Test
    void isPastRetentionWhenTheMarkSawATransactionFinishThatWasInFlightAtSPrev() {
        Cursor cursor = withSPrev(PgSnapshot.parse("100:110:100,105"));

        // Retention may have deleted 105's rows: visible in the mark, not yet delivered to this cursor.
        assertThat(cursor.isPastRetention(PgSnapshot.parse("100:108:100"))).isTrue();
    }

    @Test
    void isFromTheFutureWhenEitherSnapshotReachesPastTheDatabasesXmax() {
        Cursor cursor = TestCursors.withSnapshots(
                TestCursors.drained(), PgSnapshot.parse("100:110:"), PgSnapshot.parse("120:130:"));

        assertThat(cursor.isFromTheFuture(130)).isFalse();
        assertThat(cursor.isFromTheFuture(500)).isFalse();
        assertThat(cursor.isFromTheFuture(129)).as("S_hi's xmax is above").isTrue();

        Cursor sPrevAhead = TestCursors.withSnapshots(
                TestCursors.drained(), PgSnapshot.parse("100:140:"), PgSnapshot.parse("100:130:"));
        assertThat(sPrevAhead.isFromTheFuture(135))
                .as("only S_prev's xmax is above")
                .isTrue();
    }

    private static Cursor withSPrev(PgSnapshot sPrev) {
        return TestCursors.withSnapshots(TestCursors.drained(), sPrev, PgSnapshot.parse("120:120:"));
    }
}
