package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per actor, kept as the generic cell rate algorithm: one number per actor, the time at which its
 * bucket would be full again ("theoretical arrival time"). A request at {@code now} moves that time one emission
 * interval ({@code 1 s / perSecond}) later, from {@code now} if it lies in the past; it is refused when the time
 * would then lie more than {@code burst} intervals ahead.
 *
 * <p>The memory is bounded. An actor whose bucket is full again is indistinguishable from one never seen, so its entry
 * can go: when {@code maxActors} are tracked, those are dropped (at most once per refill time, so a full table of
 * busy actors does not cost a scan per request). Actors beyond that, while the table is full of busy ones, share one
 * bucket of the same rate: many tokens do not buy more than one actor's rate, nor unbounded memory.
 *
 * <p>Not a library's limiter: resilience4j's is one fixed-window limiter per name in a registry that never forgets a
 * name, which is what an unbounded number of actors must not have.
 */
public final class ActorRateLimiter {
    /** How many actors are tracked one by one at most (about 100 bytes each). */
    public static final int DEFAULT_MAX_ACTORS = 100_000;

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Lets every request through. */
    public static final ActorRateLimiter UNLIMITED = new ActorRateLimiter();

    private final long interval;
    private final long tolerance;
    private final int maxActors;
    private final LongSupplier nanoTime;
    private final Map<String, AtomicLong> actors = new ConcurrentHashMap<>();
    private final AtomicLong shared = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong lastSweep;

    /**
     * @param perSecond the sustained rate, at least 1
     * @param burst the bucket's size, at least 1
     * @param maxActors how many actors have a bucket of their own at most
     * @param nanoTime {@link System#nanoTime} but in tests
     */
    public ActorRateLimiter(int perSecond, int burst, int maxActors, LongSupplier nanoTime) {
        if (perSecond < 1 || burst < 1 || maxActors < 1) {
            throw new IllegalArgumentException("need perSecond, burst and maxActors of at least 1, was " + perSecond
                    + ", " + burst + ", " + maxActors);
        }
        this.interval = Math.max(1, SECOND / perSecond);
        this.tolerance = interval * burst; // at most 1e9 * (2^31 - 1): no overflow
        this.maxActors = maxActors;
        this.nanoTime = nanoTime;
        this.lastSweep = new AtomicLong(nanoTime.getAsLong() - tolerance);
    }

    public ActorRateLimiter(int perSecond, int burst) {
        this(perSecond, burst, DEFAULT_MAX_ACTORS, System::nanoTime);
    }

    private ActorRateLimiter() {
        this.interval = 0;
        this.tolerance = 0;
        this.maxActors = 0;
        this.nanoTime = System::nanoTime;
        this.lastSweep = new AtomicLong();
    }

    /**
     * Takes one request from {@code actor}'s bucket.
     *
     * @throws SyncException {@code RATE_LIMITED}, with the whole seconds to wait (at least 1) in its details, when the
     *     bucket is empty
     */
    public void acquire(Actor actor) {
        if (interval == 0) {
            return;
        }
        long wait = waitNanos(actor.id());
        if (wait > 0) {
            long seconds = Math.max(1, (wait + SECOND - 1) / SECOND);
            throw new SyncException(
                    SyncErrorCode.RATE_LIMITED,
                    "too many requests from this actor; retry in " + seconds + (seconds == 1 ? " second" : " seconds"),
                    Map.of("retryAfterSeconds", seconds));
        }
    }

    /** Takes a request from {@code actorId}'s bucket: 0 when it had one, else the nanoseconds until it has. */
    long waitNanos(String actorId) {
        long now = nanoTime.getAsLong();
        AtomicLong bucket = bucket(actorId, now);
        while (true) {
            long full = bucket.get();
            // Long.MIN_VALUE: never used; comparisons of nanoTime values go by difference, as its Javadoc asks
            long from = full == Long.MIN_VALUE || full - now < 0 ? now : full;
            long next = from + interval;
            long ahead = next - now;
            if (ahead > tolerance) {
                return ahead - tolerance;
            }
            if (bucket.compareAndSet(full, next)) {
                return 0;
            }
        }
    }

    /** How many actors have a bucket of their own now. */
    int tracked() {
        return actors.size();
    }

    private AtomicLong bucket(String actorId, long now) {
        AtomicLong bucket = actors.get(actorId);
        if (bucket != null) {
            return bucket;
        }
        if (actors.size() >= maxActors) {
            sweep(now);
            if (actors.size() >= maxActors) {
                return shared;
            }
        }
        // a race may add a few beyond maxActors, one per thread at most
        return actors.computeIfAbsent(actorId, id -> new AtomicLong(Long.MIN_VALUE));
    }

    /** Drops the actors whose bucket is full again, unless that was done less than one refill time ago. */
    private void sweep(long now) {
        long last = lastSweep.get();
        if (now - last < tolerance || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        actors.values().removeIf(bucket -> {
            long full = bucket.get();
            return full == Long.MIN_VALUE || full - now <= 0;
        });
    }
}
