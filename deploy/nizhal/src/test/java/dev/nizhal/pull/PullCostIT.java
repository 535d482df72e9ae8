package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.service.PullDefect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * P7: an incremental pull costs O(changes in the window + buckets), never a scan of a synced table. The scans are
 * counted inside each pull's own transaction ({@code pg_stat_xact_user_tables}), so the count is exact. Also prints
 * the initial-load throughput of a 100k-row bucket, as a figure (not an assertion).
 */
@ExtendWith(PostgresExtension.class)
class PullCostIT {
    private static final int ROWS = Integer.getInteger("nizhal.test.costRows", 1_000_000);
    private static TestDatabase db;
    private static Nizhal nizhal;
    private static final AtomicLong lastSeqScans = new AtomicLong(-1);
    private static final AtomicLong lastIndexScans = new AtomicLong(-1);

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, SeedDatabase.SCHEMA);
        // 1M notes: owner 'big' has 100k of them, the rest spread over 9,000 other owners
        sql(
                db,
                "insert into notes(id, body, owner_id) select 'n' || g, 'body ' || g,"
                        + " case when g % 10 = 0 then 'big' else 'o' || (g % 9000) end from generate_series(1, " + ROWS
                        + ") g; create index notes_owner on notes(owner_id); analyze notes;");
        nizhal = SeedDatabase.engine(
                db,
                Fixtures.seedRules(),
                (tx, actor, request, response) -> tx.handle(Handle.class)
                        .createQuery("select seq_scan, idx_scan from pg_stat_xact_user_tables where relname = 'notes'")
                        .map((rs, ctx) -> {
                            lastSeqScans.set(rs.getLong("seq_scan"));
                            lastIndexScans.set(rs.getLong("idx_scan"));
                            return null;
                        })
                        .list(),
                PullDefect.NONE);
    }

    @Test
    void anIncrementalPullOnAMillionRowTableDoesNotScanIt() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("o7"), "c-o7", "myNotes");
        client.sync();
        int before = client.keys("notes").size();
        sql(
                db,
                "update notes set body = 'changed' where id in ('n7', 'n9007');"
                        + " insert into notes(id, body, owner_id) values ('fresh', 'x', 'o7');"
                        + " delete from notes where id = 'n18007'");

        PullResponse incremental = client.pull(1000);

        assertThat(incremental.hasMore()).isFalse();
        assertThat(incremental.changes()).hasSize(4);
        assertThat(client.keys("notes")).hasSize(before); // one in, one out
        assertThat(lastSeqScans.get())
                .as("sequential scans of notes in the pull")
                .isZero();
        assertThat(lastIndexScans.get()).as("the changed rows are read by key").isPositive();
    }

    @Test
    void initialLoadOfA100kRowBucket() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("big"), "c-big", "myNotes");
        List<Long> latencies = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 1_000; i++) {
            long t = System.nanoTime();
            PullResponse response = client.pull(5_000);
            latencies.add((System.nanoTime() - t) / 1_000_000);
            assertThat(lastSeqScans.get()).as("a load page reads by index").isZero();
            if (!response.hasMore()) {
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int rows = client.keys("notes").size();

        assertThat(rows).isEqualTo(ROWS / 10);
        System.out.printf(
                "initial load: %d rows in %d pulls of 5,000, %.2f s, %.0f rows/s, pull latency median %d ms, max %d ms%n",
                rows,
                latencies.size(),
                seconds,
                rows / seconds,
                latencies.stream().sorted().toList().get(latencies.size() / 2),
                latencies.stream().mapToLong(Long::longValue).max().orElse(0));
    }
}
