package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.ChangeLog.Position;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The window query (and the realtime poller's read of a window) stays O(window) on a large change log: both branches (began after {@code S_prev}, in flight at
 * {@code S_prev}) read index ranges, never the whole log, with the parameter values at hand (the plans of the first
 * executions) and in the generic plan PostgreSQL may switch a reused prepared statement to.
 */
@ExtendWith(PostgresExtension.class)
class JdbiChangeLogPlanIT {

    private static final PgSnapshot S_PREV = PgSnapshot.of(199_990, 200_000, 199_990L, 199_995L);
    private static final PgSnapshot S_HI = PgSnapshot.of(200_010, 200_010);
    private static final Set<String> BUCKETS = Set.of("b1", "b2");
    private static final Position AFTER = new Position(199_990, 5, 0);

    private static Jdbi jdbi;

    @BeforeAll
    static void fillALargeChangeLog(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        jdbi = database.jdbi();
        // 300k entries of 30k transactions in 100 buckets, ids set explicitly to spread them over a long history;
        // ANALYZE so the planner knows the sizes, as autovacuum would on a real log
        jdbi.useHandle(handle -> {
            handle.execute("insert into nizhal.change_log (txid, bucket, tbl, pks)"
                    + " select cast(cast(170000 + g / 10 as text) as xid8), 'b' || (g % 100), 'notes',"
                    + " array[cast(g as text)] from generate_series(1, 300000) as g");
            handle.execute("analyze nizhal.change_log");
        });
    }

    @Test
    void withTheParameterValuesBothBranchesReadIndexRanges() {
        List<String> plan = jdbi.withHandle(handle -> JdbiChangeLog.windowRows(
                handle,
                "explain ",
                JdbiChangeLog.windowValues(S_PREV, S_HI, BUCKETS, AFTER, 100),
                rs -> rs.getString(1)));

        assertReadsIndexRangesOnly(plan);
    }

    @Test
    void inTheGenericPlanOfAPreparedStatementBothBranchesReadIndexRanges() {
        List<String> plan = jdbi.withHandle(
                handle -> GenericPlans.explain(handle, "nizhal_window", "", JdbiChangeLog.WINDOW_SQL, values()));

        assertReadsIndexRangesOnly(plan);
    }

    @Test
    void postgresSettlesOnTheGenericPlanSoThatAPullDoesNotPlanTheWindowEveryTime() {
        // the plan cache compares the generic plan's cost with the custom plans' (5 of them first): a window whose
        // estimates depended on the values (the number of buckets, the limit) kept custom plans, planned on every
        // pull (about 0.26 ms of a 0.37 ms window read on a small log); the values come through one row, so both
        // kinds of plan see the same estimates and the generic one wins
        long generic = jdbi.withHandle(handle ->
                GenericPlans.genericExecutions(handle, "nizhal_window_auto", JdbiChangeLog.WINDOW_SQL, values(), 8));

        assertThat(generic).isPositive();
    }

    private static Map<String, String> values() {
        return GenericPlans.text(JdbiChangeLog.windowValues(S_PREV, S_HI, Set.of("b1", "b2"), AFTER, 100));
    }

    @Test
    void theRealtimePollersReadOfAWindowReadsIndexRangesToo() {
        List<String> plan = jdbi.withHandle(handle -> handle.createQuery("explain " + JdbiChangeLog.COMMITTED_SQL)
                .bind("s_prev", S_PREV.text())
                .bind("s_hi", S_HI.text())
                .bind("limit", 10_000)
                .mapTo(String.class)
                .list());

        assertReadsIndexRangesOnly(plan);
    }

    private static void assertReadsIndexRangesOnly(List<String> plan) {
        String text = String.join("\n", plan);
        List<String> scans = plan.stream()
                .map(String::strip)
                .map(line -> line.startsWith("->  ") ? line.substring(4) : line)
                .filter(line -> line.contains(" on change_log"))
                .toList();
        assertThat(scans).as(text).noneMatch(line -> line.contains("Seq Scan"));
        // one index access per branch, on (bucket, txid) or (txid)
        assertThat(scans.stream()
                        .filter(line -> line.matches("(Index Scan|Index Only Scan|Bitmap Index Scan)"
                                + "( using| on) change_log_(bucket_)?txid .*")))
                .as(text)
                .hasSize(2);
    }
}
