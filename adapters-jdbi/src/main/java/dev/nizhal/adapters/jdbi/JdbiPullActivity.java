package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.out.Clock;
import dev.nizhal.ports.out.PullActivity;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The pull observer of the admin console: {@link #pulled} only offers the pull to a bounded queue (a full queue drops
 * it and counts the drop); a single background thread writes what is queued every half second, in one transaction:
 * the client's last pull per rule ({@code nizhal.client_pulls}) and the pull log, which it trims to the last hour. A
 * failed write is logged once per failure streak and dropped: the console shows less, no pull ever waits or fails.
 */
public final class JdbiPullActivity implements PullActivity, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JdbiPullActivity.class.getName());
    static final int QUEUE = 20_000;
    static final Duration FLUSH_EVERY = Duration.ofMillis(500);
    static final Duration KEEP_LOG = Duration.ofHours(1);
    /** A client not seen pulling for this long leaves the console's list of positions (the journal keeps it). */
    static final Duration KEEP_CLIENTS = Duration.ofDays(30);

    private final Jdbi jdbi;
    private final Clock clock;
    private final BlockingQueue<Seen> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final ScheduledExecutorService writer;
    private volatile boolean failing;
    private Instant lastTrim;

    private record Seen(Instant at, PullRecord pull) {}

    public JdbiPullActivity(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        // the first trim a minute after the start: the engine is built before it migrates a new database
        this.lastTrim = clock.now();
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nizhal-pull-activity");
            t.setDaemon(true);
            return t;
        });
        long every = FLUSH_EVERY.toMillis();
        writer.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void pulled(PullRecord pull) {
        if (!queue.offer(new Seen(clock.now(), pull))) {
            dropped.incrementAndGet();
        }
    }

    /** Pulls dropped because the queue was full, since start. */
    public long dropped() {
        return dropped.get();
    }

    private void flushQuietly() {
        try {
            flush();
            if (failing) {
                failing = false;
                LOG.log(System.Logger.Level.INFO, "the console's pull activity is written again");
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.log(System.Logger.Level.WARNING, "the console's pull activity could not be written; dropped", e);
            }
        }
    }

    /** Writes what is queued now (also called by tests and at close). */
    public synchronized void flush() {
        List<Seen> batch = new ArrayList<>();
        queue.drainTo(batch);
        Instant now = clock.now();
        boolean trim = Duration.between(lastTrim, now).compareTo(Duration.ofMinutes(1)) > 0;
        if (batch.isEmpty() && !trim) {
            return;
        }
        // one row per (client, rule): the latest pull, the latest drained one, and how many there were
        // in key order: two instances upserting overlapping clients lock their rows in the same order (no deadlock)
        Map<List<String>, Latest> latest =
                new TreeMap<>(Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
        for (Seen seen : batch) {
            latest.computeIfAbsent(List.of(seen.pull().clientId(), seen.pull().rule()), k -> new Latest())
                    .add(seen);
        }
        jdbi.useTransaction(h -> {
            if (!batch.isEmpty()) {
                PreparedBatch upsert = h.prepareBatch(
                        "insert into nizhal.client_pulls (client_id, rule, actor,"
                                + " pulled_at, caught_up_at, caught_up_to, buckets, pulls) values (:client, :rule, :actor,"
                                + " :at, :caughtUpAt, cast(:caughtUpTo as pg_snapshot), :buckets, :pulls)"
                                // never backwards (another instance's older batch), never across actors (a pull-only
                                // client
                                // id is not bound to an actor: another user's pulls under it do not rewrite what it
                                // held)
                                + " on conflict (client_id, rule) do update set"
                                + " pulled_at = excluded.pulled_at,"
                                + " caught_up_at = coalesce(excluded.caught_up_at, client_pulls.caught_up_at),"
                                + " caught_up_to = coalesce(excluded.caught_up_to, client_pulls.caught_up_to),"
                                + " buckets = excluded.buckets, pulls = client_pulls.pulls + excluded.pulls"
                                + " where excluded.pulled_at >= client_pulls.pulled_at and excluded.actor = client_pulls.actor");
                for (Latest l : latest.values()) {
                    PullRecord last = l.last.pull();
                    upsert.bind("client", last.clientId())
                            .bind("rule", last.rule())
                            .bind("actor", last.actor())
                            .bind("at", Timestamp.from(l.last.at()))
                            .bind("caughtUpAt", l.drained == null ? null : Timestamp.from(l.drained.at()))
                            .bind(
                                    "caughtUpTo",
                                    l.drained == null
                                            ? null
                                            : l.drained.pull().upTo().text())
                            .bind("buckets", last.buckets().toArray(String[]::new))
                            .bind("pulls", l.count)
                            .add();
                }
                upsert.execute();
                PreparedBatch log = h.prepareBatch("insert into nizhal.pull_log (client_id, rule, pulled_at, changes,"
                        + " has_more, reset) values (:client, :rule, :at, :changes, :hasMore, :reset)");
                for (Seen seen : batch) {
                    log.bind("client", seen.pull().clientId())
                            .bind("rule", seen.pull().rule())
                            .bind("at", Timestamp.from(seen.at()))
                            .bind("changes", seen.pull().changes())
                            .bind("hasMore", !seen.pull().drained())
                            .bind("reset", seen.pull().reset())
                            .add();
                }
                log.execute();
            }
            if (trim) {
                h.createUpdate("delete from nizhal.pull_log where pulled_at < :horizon")
                        .bind("horizon", Timestamp.from(now.minus(KEEP_LOG)))
                        .execute();
                h.createUpdate("delete from nizhal.client_pulls where pulled_at < :horizon")
                        .bind("horizon", Timestamp.from(now.minus(KEEP_CLIENTS)))
                        .execute();
            }
        });
        if (trim) {
            lastTrim = now;
        }
    }

    private static final class Latest {
        Seen last;
        Seen drained;
        long count;

        void add(Seen seen) {
            last = seen;
            if (seen.pull().drained()) {
                drained = seen;
            }
            count++;
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            if (writer.awaitTermination(5, TimeUnit.SECONDS)) {
                flushQuietly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
