package dev.nizhal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The change log's retention (CHANGE-CAPTURE.md "Retention") as two jobs on the host's scheduler: a snapshot mark
 * every {@link #SNAPSHOT_MARK_INTERVAL} and a trim to the retention every {@link #TRIM_INTERVAL}. A job that fails
 * logs it and runs again at its next turn. Every instance runs them (marks are cheap, trims take a lock and run one at
 * a time); the embedded server and the WAR start them with the engine.
 *
 * <pre>{@code
 * try (RetentionJobs retention = RetentionJobs.schedule(nizhal, scheduler, Duration.ofDays(7))) {
 *     ... // serve
 * }
 * }</pre>
 */
public final class RetentionJobs implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetentionJobs.class.getName());

    /** How often a snapshot mark is written. */
    public static final Duration SNAPSHOT_MARK_INTERVAL = Duration.ofMinutes(1);

    /** How often the change log is trimmed to its retention. */
    public static final Duration TRIM_INTERVAL = Duration.ofHours(1);

    /** How long the change log keeps entries unless configured otherwise: a client away longer resets. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    private final List<Future<?>> jobs;

    private RetentionJobs(List<Future<?>> jobs) {
        this.jobs = jobs;
    }

    /**
     * Schedules both jobs on {@code scheduler}, each first after its interval.
     *
     * @param retention how long the change log keeps entries (positive)
     */
    public static RetentionJobs schedule(Nizhal nizhal, ScheduledExecutorService scheduler, Duration retention) {
        return schedule(nizhal, scheduler, retention, SNAPSHOT_MARK_INTERVAL, TRIM_INTERVAL);
    }

    /** {@link #schedule(Nizhal, ScheduledExecutorService, Duration)} with other intervals, for tests. */
    static RetentionJobs schedule(
            Nizhal nizhal,
            ScheduledExecutorService scheduler,
            Duration retention,
            Duration markEvery,
            Duration trimEvery) {
        Objects.requireNonNull(nizhal, "nizhal");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("the retention must be positive, was " + retention);
        }
        long mark = markEvery.toNanos();
        long trim = trimEvery.toNanos();
        return new RetentionJobs(List.of(
                scheduler.scheduleWithFixedDelay(() -> takeSnapshotMark(nizhal), mark, mark, TimeUnit.NANOSECONDS),
                scheduler.scheduleWithFixedDelay(
                        () -> trimChangeLog(nizhal, retention), trim, trim, TimeUnit.NANOSECONDS)));
    }

    /**
     * Cancels both jobs (a run in progress finishes). An application that stops must: on a redeploy they would keep
     * the old engine alive.
     */
    @Override
    public void close() {
        jobs.forEach(job -> job.cancel(false));
    }

    private static void takeSnapshotMark(Nizhal nizhal) {
        try {
            nizhal.takeSnapshotMark();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "writing the snapshot mark failed; the next turn tries again", e);
        }
    }

    private static void trimChangeLog(Nizhal nizhal, Duration retention) {
        try {
            nizhal.trimChangeLog(retention)
                    .ifPresent(deleted -> LOG.log(
                            System.Logger.Level.INFO,
                            "trimmed {0} change-log entries older than {1}",
                            deleted,
                            retention));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "trimming the change log failed; the next turn tries again", e);
        }
    }
}
