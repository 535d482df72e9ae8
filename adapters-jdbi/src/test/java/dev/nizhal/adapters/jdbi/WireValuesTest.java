package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written date and time texts are the JDK formatter's, character for character. */
class WireValuesTest {

    @Test
    void datesAreTheFormattersText() {
        for (LocalDate date : dates()) {
            assertThat(WireValues.isoDate(date))
                    .as("%s", date)
                    .isEqualTo(DateTimeFormatter.ISO_LOCAL_DATE.format(date));
        }
    }

    @Test
    void dateTimesAreTheFormattersText() {
        Random random = new Random(12);
        List<Integer> nanos = new ArrayList<>(List.of(
                0,
                1,
                9,
                10,
                100,
                1_000,
                120_000,
                999_999,
                1_000_000,
                500_000_000,
                100_000_000,
                123_456_789,
                999_999_999,
                10_000_000,
                740_000_000,
                2_000));
        for (int i = 0; i < 200; i++) {
            nanos.add(random.nextInt(1_000_000_000));
            nanos.add(random.nextInt(1_000_000) * 1_000); // microseconds, as PostgreSQL stores them
        }
        List<LocalTime> times = List.of(
                LocalTime.MIDNIGHT,
                LocalTime.NOON,
                LocalTime.of(23, 59, 59),
                LocalTime.of(1, 2, 3),
                LocalTime.of(9, 0));
        for (LocalDate date : dates()) {
            for (LocalTime time : times) {
                for (int nano : nanos) {
                    LocalDateTime value = LocalDateTime.of(date, time.withNano(nano));
                    String text = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value);
                    assertThat(WireValues.isoDateTime(value)).as("%s", value).isEqualTo(text);
                    assertThat(WireValues.isoDateTime(value, true))
                            .as("%s", value)
                            .isEqualTo(text + "Z");
                }
            }
        }
    }

    /** Years around every width the year is written in, and the edges of the hand-written range. */
    private static List<LocalDate> dates() {
        List<LocalDate> dates = new ArrayList<>();
        for (int year : new int[] {-10_000, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 1970, 2026, 9999, 10_000, 123_456}) {
            dates.add(LocalDate.of(year, 1, 1));
            dates.add(LocalDate.of(year, 12, 31));
            dates.add(LocalDate.of(year, 2, 9));
        }
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            dates.add(LocalDate.ofEpochDay(random.nextLong(LocalDate.of(0, 1, 1).toEpochDay(), 3_000_000)));
        }
        return dates;
    }
}
