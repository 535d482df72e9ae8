package dev.nizhal.domain.cursor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReadAheadTest {
    private static final long BOUND = 4L * 1024 * 1024;

    @Test
    void theFirstStepIsSmallAndNarrowRowsGrowBySixteenTimes() {
        assertThat(ReadAhead.step(0, 0, 0, 0, BOUND, 5_000)).isEqualTo(ReadAhead.FIRST);
        assertThat(ReadAhead.step(4, 4, 400, 100, BOUND, 4_996)).isEqualTo(64);
        assertThat(ReadAhead.step(68, 68, 6_800, 100, BOUND, 4_932)).isEqualTo(1_088);
        assertThat(ReadAhead.step(1_156, 1_156, 115_600, 100, BOUND, 3_844)).isEqualTo(3_844);
    }

    @Test
    void aStepHoldsWhatStillFitsAtTheWidestRowSoFar() {
        // 4 rows of 300,000: 1.2 MB of 4 MiB read, so 10 more of that width reach the bound
        assertThat(ReadAhead.step(4, 4, 1_200_000, 300_000, BOUND, 5_000)).isEqualTo(10);
        assertThat(ReadAhead.step(4, 4, 1_200_000, 300_000, 1_200_001, 5_000)).isEqualTo(1);
        assertThat(ReadAhead.step(4, 4, BOUND, 300_000, BOUND, 5_000)).isEqualTo(1);
    }

    @Test
    void keysWithoutRowsDoNotGrowTheStepsAndNoStepPassesWhatIsLeft() {
        // 4 or 5,000 keys without a row so far: at most 16 times the first step, whatever their count
        assertThat(ReadAhead.step(4, 0, 0, 0, BOUND, 5_000)).isEqualTo(64);
        assertThat(ReadAhead.step(68, 0, 0, 0, BOUND, 4_932)).isEqualTo(64);
        assertThat(ReadAhead.step(4_000, 0, 0, 0, BOUND, 1_000)).isEqualTo(64);
        // the rows found count, not the keys read: 2 narrow rows among 100 keys
        assertThat(ReadAhead.step(100, 2, 200, 100, BOUND, 4_900)).isEqualTo(64);
        assertThat(ReadAhead.step(100, 10, 1_000, 100, BOUND, 4_900)).isEqualTo(160);
        assertThat(ReadAhead.step(0, 0, 0, 0, BOUND, 2)).isEqualTo(2);
        assertThat(ReadAhead.step(10, 10, 100, 10, BOUND, 3)).isEqualTo(3);
        assertThat(ReadAhead.step(0, 0, 0, 0, BOUND, 0)).isEqualTo(1);
    }
}
