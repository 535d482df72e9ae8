package dev.nizhal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.fixtures.SeedDatabase;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The retention jobs on a real database, with short intervals: marks are written, old entries go, close cancels. */
@ExtendWith(PostgresExtension.class)
class RetentionJobsIT {

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

            Await.until("a snapshot mark", Duration.ofSeconds(30), () -> marks.getAsLong() > 0);
            Await.until("the old entry trimmed", Duration.ofSeconds(30), () -> logged.getAsLong() == 0);
            jobs.close();

            assertThat(scheduler.getQueue()).as("jobs still scheduled").isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
