package dev.nizhal.ports.fakes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.ChangeLog;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InMemoryChangeLogTest {

    @Test
    void aWindowHoldsWhatCommittedAfterTheLowerSnapshotInAnyOrderAndPagesByKeys() {
        InMemoryChangeLog log = new InMemoryChangeLog();
        log.append(10, "b", "notes", "late"); // in flight at sPrev, committed before sHi
        log.append(11, "b", "notes", "k1", "k2", "k3");
        log.append(12, "other", "notes", "x");
        log.append(9, "b", "notes", "old"); // visible in sPrev: an earlier window
        PgSnapshot sPrev = PgSnapshot.of(10, 11, 10L);
        PgSnapshot sHi = PgSnapshot.of(13, 13);

        List<ChangeLog.Entry> first = log.window(null, sPrev, sHi, Set.of("b"), null, 3);
        ChangeLog.Entry last = first.getLast();
        List<ChangeLog.Entry> rest = log.window(
                null,
                sPrev,
                sHi,
                Set.of("b"),
                new ChangeLog.Position(
                        last.txid(),
                        last.seq(),
                        last.firstOrdinal() + last.keys().size() - 1),
                3);

        assertThat(first).extracting(ChangeLog.Entry::keys).containsExactly(List.of("late"), List.of("k1", "k2"));
        assertThat(rest).extracting(ChangeLog.Entry::keys).containsExactly(List.of("k3"));
        assertThat(rest.getFirst().firstOrdinal()).isEqualTo(2);
    }
}
