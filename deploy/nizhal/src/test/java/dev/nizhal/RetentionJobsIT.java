package dev.nizhal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.fixtures.SeedDatabase;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The retention jobs on a real database, with short intervals: marks are written, old entries go, close cancels. */
@ExtendWith(PostgresExtension.class)
class RetentionJobsIT {

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("still waiting for: %s", what).isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // polling: the jobs give no other signal
        }
    }

    @Test
    void marksAreWrittenEntriesOlderThanTheRetentionAreTrimmedAndCloseCancelsBoth(TestDatabase db) {
        Nizhal nizhal = SeedDatabase.create(db);
        SeedDatabase.sql(db, "insert into notes(id, body, owner_id) values ('r1', 'old', 'u1')");
        LongSupplier logged = () -> db.jdbi()
                .withHandle(h -> h.createQuery("select count(*) from nizhal.change_log")
                        .mapTo(Long.class)
                        .one());
        LongSupplier marks = () -> db.jdbi()
                .withHandle(h -> h.createQuery("select count(*) from nizhal.snapshot_marks")
                        .mapTo(Long.class)
                        .one());
        assertThat(logged.getAsLong()).isPositive();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        try {
            RetentionJobs jobs = RetentionJobs.schedule(
                    nizhal, scheduler, Duration.ofMillis(1), Duration.ofMillis(20), Duration.ofMillis(50));

            awaitTrue("a snapshot mark", () -> marks.getAsLong() > 0);
            awaitTrue("the old entry trimmed", () -> logged.getAsLong() == 0);
            jobs.close();

            assertThat(scheduler.getQueue()).as("jobs still scheduled").isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
