package dev.nizhal.adapters.websocket;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.WatchChanges;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.Clock;
import dev.nizhal.ports.out.RealtimeNotifier;
import dev.nizhal.ports.out.RealtimePresence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The realtime stream of one server instance (PROTOCOL.md "GET /sync/stream", CHANGE-CAPTURE.md "Realtime"): the
 * open sockets, indexed by the keys they listen to; pokes from pushes in this process ({@link #publish}) and from one
 * change-log poller for everything else (other instances, plain SQL); heartbeats that also find stalled sockets; and
 * the token check that closes a socket with 4401 once its token expires.
 *
 * <p>Close codes: {@code 4000 + the HTTP status} of the protocol's error code (4400 {@code MALFORMED_REQUEST}, 4401
 * {@code UNAUTHENTICATED}, 4404 {@code UNKNOWN_SYNC_RULE}, 4429 {@code RATE_LIMITED}: the actor has {@link
 * StreamSettings#maxSocketsPerActor()} sockets open here already, 4503 {@code TRANSIENT}), with the code's name and a short
 * message as the reason; 4408 for a stalled socket, 1001 when the server stops, 1011 after an unexpected failure
 * (with a correlation id in the reason and the log).
 *
 * <p>Threads: one poller thread; one timer thread (heartbeats, token checks, delayed pokes); two workers that
 * recompute the buckets of sockets whose grants may have changed, at most one at a time per socket and rule; and a
 * virtual thread per WebSocket ping, which Jetty writes before returning. So a slow database never delays a
 * heartbeat, and a client that does not read never holds up another.
 */
public final class StreamHub implements RealtimeNotifier, RealtimePresence, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StreamHub.class.getName());
    /** Local commits the poller has not seen after this long are forgotten (it fell behind, or never will see them). */
    private static final long LOCAL_TXID_TTL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Without an {@code exp} claim, a socket's token is checked again this often. */
    private static final Duration RECHECK_WITHOUT_EXPIRY = Duration.ofMinutes(1);

    /** The close code of a socket dropped as stalled. */
    public static final int STALLED = 4408;

    static final int GOING_AWAY = 1001;
    static final int INTERNAL = 1011;

    private final WatchChanges changes;
    private final ActorResolver actors;
    private final Clock clock;
    private final StreamSettings settings;
    private final LongSupplier nanos;
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService poller;
    private final ExecutorService workers;

    private final Set<StreamConnection> connections = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Set<Subscription>> index = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Long> localTxids = new ConcurrentHashMap<>();
    /** Open sockets per actor id, at most {@code settings.maxSocketsPerActor()} each. */
    private final ConcurrentHashMap<String, Integer> socketsPerActor = new ConcurrentHashMap<>();

    private volatile PgSnapshot position;
    private volatile boolean pollFailing;
    private volatile boolean closed;

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private volatile Instant lastPoll;

    /** A socket listening to a key for a rule. */
    private record Subscription(StreamConnection connection, String rule) {}

    public StreamHub(WatchChanges changes, ActorResolver actors, Clock clock, StreamSettings settings) {
        this(
                changes,
                actors,
                clock,
                settings,
                Thread.ofPlatform().name("nizhal-stream-timer").daemon().factory(),
                Thread.ofPlatform().name("nizhal-stream-poller").daemon().factory(),
                Thread.ofPlatform().name("nizhal-stream-worker-", 0).daemon().factory());
    }

    /**
     * A hub whose poller, timer and workers run on threads of {@code threads}: an application server's {@code
     * ManagedThreadFactory}, so that they carry the application's context and the server knows them.
     */
    public StreamHub(
            WatchChanges changes, ActorResolver actors, Clock clock, StreamSettings settings, ThreadFactory threads) {
        this(changes, actors, clock, settings, threads, threads, threads);
    }

    private StreamHub(
            WatchChanges changes,
            ActorResolver actors,
            Clock clock,
            StreamSettings settings,
            ThreadFactory timerThreads,
            ThreadFactory pollerThreads,
            ThreadFactory workerThreads) {
        this.changes = Objects.requireNonNull(changes, "changes");
        this.actors = Objects.requireNonNull(actors, "actors");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.nanos = System::nanoTime;
        this.timer = Executors.newSingleThreadScheduledExecutor(Objects.requireNonNull(timerThreads, "threads"));
        this.poller = Executors.newSingleThreadScheduledExecutor(pollerThreads);
        this.workers = Executors.newFixedThreadPool(2, workerThreads);
    }

    /**
     * Takes the poller's first position (so that no commit after it can be missed: until there is one, hellos are
     * refused with 4503), then starts the poller, the heartbeats and the token checks. Call it before sockets can
     * connect.
     */
    public StreamHub start() {
        poll();
        long poll = settings.pollInterval().toNanos();
        poller.scheduleWithFixedDelay(safely("poll", this::poll), poll, poll, TimeUnit.NANOSECONDS);
        long beat = settings.heartbeat().toNanos();
        timer.scheduleAtFixedRate(safely("heartbeat", this::heartbeat), beat, beat, TimeUnit.NANOSECONDS);
        long auth = settings.authCheckInterval().toNanos();
        timer.scheduleWithFixedDelay(safely("token check", this::checkTokens), auth, auth, TimeUnit.NANOSECONDS);
        return this;
    }

    /** A periodic task that logs what it throws rather than being cancelled by it. */
    private static Runnable safely(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "the stream's " + what + " failed; it runs again", e);
            }
        };
    }

    public StreamSettings settings() {
        return settings;
    }

    // ---- sockets

    /** A new socket: it has {@code helloTimeout} to send its hello frame. */
    StreamConnection open(Wire wire) {
        StreamConnection connection = new StreamConnection(
                wire, timer, nanos, settings.minPokeInterval().toNanos());
        connections.add(connection);
        // looked at after the add: a close() running meanwhile either sees this socket or is seen here (both may,
        // and markClosed lets one of them close it)
        if (closed) {
            goAway(connection);
            return connection;
        }
        try {
            timer.schedule(
                    () -> {
                        if (connection.state() == StreamConnection.State.HELLO) {
                            drop(
                                    connection,
                                    closeCode(SyncErrorCode.UNAUTHENTICATED),
                                    reason(SyncErrorCode.UNAUTHENTICATED, "no hello frame in time"));
                        }
                    },
                    settings.helloTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            goAway(connection); // the hub closed since the look above
        }
        return connection;
    }

    /** Closes {@code connection} with 1001 (the server is stopping), unless it is closed already. */
    private void goAway(StreamConnection connection) {
        if (connection.markClosed()) {
            unregister(connection);
            connection.wire().close(GOING_AWAY, "the server is stopping");
        }
    }

    /** A text frame from the client: the hello, or (after it) anything, which is ignored. */
    void onText(StreamConnection connection, String text) {
        if (connection.state() != StreamConnection.State.HELLO) {
            return;
        }
        try {
            hello(connection, Hello.parse(text, settings.maxRules()));
        } catch (SyncException e) {
            drop(connection, closeCode(e.code()), reason(e.code(), e.getMessage()));
            uncount(connection); // also when it was closed meanwhile, and drop did nothing
        } catch (RuntimeException e) {
            String correlationId = UUID.randomUUID().toString();
            LOG.log(System.Logger.Level.ERROR, "stream hello failed, correlation id " + correlationId, e);
            drop(connection, INTERNAL, reason(SyncErrorCode.INTERNAL, "correlation id " + correlationId));
            uncount(connection);
        }
    }

    void onPong(StreamConnection connection) {
        connection.pong();
    }

    /** The container closed the socket (the client went away, or after our close). */
    void onClose(StreamConnection connection) {
        if (connection.markClosed()) {
            unregister(connection);
        }
    }

    private void hello(StreamConnection connection, Hello hello) {
        if (position == null) {
            throw new SyncException(
                    SyncErrorCode.TRANSIENT, "the stream cannot read the change log yet; retry shortly");
        }
        Actor actor = actors.resolve(hello.token());
        count(connection, actor.id());
        connection.authenticated(actor, hello.token(), hello.filters());
        connection.clientId(hello.clientId());
        // the hello's watches count as recomputes: a grant commit meanwhile asks for another one, done after "ready"
        hello.filters().keySet().forEach(connection::startRecompute);
        for (String rule : hello.filters().keySet()) {
            WatchChanges.Watch watch =
                    changes.watch(actor, rule, hello.filters().get(rule));
            reindex(connection, watch);
            if (!watch.grantKeys().isEmpty()) {
                // a grant committed between the read above and the indexing of its grant keys reached no socket:
                // read once more, now that the grant keys are indexed
                reindex(connection, changes.watch(actor, rule, hello.filters().get(rule)));
            }
        }
        // indexed before "ready" goes out: the client pulls on "ready", so a commit is either before that pull or
        // poked after it (a poke that comes before "ready" is dropped, and that pull covers it)
        if (!connection.ready(nextTokenCheck(actor))) {
            unregister(connection); // closed while the hello was checked: nothing of it may stay behind
            return;
        }
        for (String rule : hello.filters().keySet()) {
            if (connection.finishRecompute(rule)) {
                workers.execute(() -> recompute(connection, rule));
            }
        }
    }

    // ---- pokes

    /** Remembered before the commit, so that the poller never pokes for it too, however soon it looks. */
    @Override
    public void committing(long txid) {
        localTxids.put(txid, nanos.getAsLong());
    }

    @Override
    public void publish(long txid, Set<String> keys) {
        route(keys);
    }

    private void route(Set<String> keys) {
        for (String key : keys) {
            Set<Subscription> subscribers = index.get(key);
            if (subscribers == null) {
                continue;
            }
            boolean grant = key.startsWith("grant:");
            for (Subscription s : subscribers) {
                if (grant) {
                    requestRecompute(s.connection(), s.rule());
                } else {
                    s.connection().poke(s.rule());
                }
            }
        }
    }

    /** A grant of the socket's actor may have changed: one recompute per socket and rule runs at a time. */
    private void requestRecompute(StreamConnection connection, String rule) {
        if (connection.startRecompute(rule)) {
            workers.execute(() -> recompute(connection, rule));
        }
    }

    /** The socket's buckets for {@code rule} again, then a poke; again while grant commits came in meanwhile. */
    private void recompute(StreamConnection connection, String rule) {
        do {
            if (connection.state() == StreamConnection.State.CLOSED) {
                return;
            }
            try {
                reindex(connection, changes.watch(connection.actor(), rule, connection.filter(rule)));
            } catch (RuntimeException e) {
                // the buckets stay as they were until a retry; the poke still sends the client to pull
                LOG.log(System.Logger.Level.WARNING, "recomputing a socket's buckets failed; it is tried again", e);
                while (connection.finishRecompute(rule)) {
                    // the retry below covers every hit so far: give up the claim entirely
                }
                connection.poke(rule);
                if (!closed) {
                    timer.schedule(() -> requestRecompute(connection, rule), 1, TimeUnit.SECONDS);
                }
                return;
            }
            connection.poke(rule);
        } while (connection.finishRecompute(rule));
    }

    private void reindex(StreamConnection connection, WatchChanges.Watch watch) {
        Subscription subscription = new Subscription(connection, watch.syncRule());
        WatchChanges.Watch before = connection.watch(watch);
        Set<String> now = keys(watch);
        if (before != null) {
            for (String key : keys(before)) {
                if (!now.contains(key)) {
                    unindex(key, subscription);
                }
            }
        }
        for (String key : now) {
            index.compute(key, (k, set) -> {
                Set<Subscription> s = set != null ? set : ConcurrentHashMap.newKeySet();
                s.add(subscription);
                return s;
            });
        }
        if (connection.state() == StreamConnection.State.CLOSED) {
            unregister(connection); // it closed while being indexed: nothing of it may stay behind
        }
    }

    private static Set<String> keys(WatchChanges.Watch watch) {
        Set<String> keys = new HashSet<>(watch.buckets());
        keys.addAll(watch.grantKeys());
        return keys;
    }

    private void unindex(String key, Subscription subscription) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(subscription);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Counts the socket as one of {@code actorId}'s.
     *
     * @throws SyncException {@code RATE_LIMITED} when the actor has as many open as it may
     */
    private void count(StreamConnection connection, String actorId) {
        int max = settings.maxSocketsPerActor();
        boolean[] counted = {false};
        socketsPerActor.compute(actorId, (id, open) -> {
            int now = open == null ? 0 : open;
            if (now >= max) {
                return open;
            }
            counted[0] = true;
            return now + 1;
        });
        if (!counted[0]) {
            throw new SyncException(
                    SyncErrorCode.RATE_LIMITED,
                    "this actor has " + max + " sockets open here, the most it may; close one first");
        }
        connection.countedAs(actorId);
    }

    /** The socket no longer counts for its actor (once, however often this is called). */
    private void uncount(StreamConnection connection) {
        String actorId = connection.uncount();
        if (actorId != null) {
            socketsPerActor.computeIfPresent(actorId, (id, open) -> open <= 1 ? null : open - 1);
        }
    }

    private void unregister(StreamConnection connection) {
        connections.remove(connection);
        uncount(connection);
        connection.watches().forEach((rule, watch) -> {
            Subscription subscription = new Subscription(connection, rule);
            keys(watch).forEach(key -> unindex(key, subscription));
        });
    }

    /** Closes {@code connection} and forgets it at once, whatever the wire does with the close. */
    private void drop(StreamConnection connection, int code, String reason) {
        if (connection.markClosed()) {
            unregister(connection);
            if (code == STALLED) {
                dropped.incrementAndGet();
            }
            workers.execute(() -> connection.wire().close(code, reason));
        }
    }

    // ---- the timer's work

    /** One look at the change log: pokes for the commits since the last look that this process did not publish. */
    void poll() {
        try {
            WatchChanges.Commits commits = changes.commitsAfter(position);
            position = commits.position();
            polls.incrementAndGet();
            lastPoll = clock.now();
            if (pollFailing) {
                pollFailing = false;
                LOG.log(System.Logger.Level.INFO, "the stream's change-log poller reads again");
            }
            if (commits.cut()) {
                // more commits than one read holds: every socket pulls, and every grant may have changed
                for (StreamConnection c : connections) {
                    c.watches().forEach((rule, watch) -> {
                        c.poke(rule);
                        if (!watch.grantKeys().isEmpty()) {
                            requestRecompute(c, rule);
                        }
                    });
                }
            } else {
                commits.keysByTxid().forEach((txid, keys) -> {
                    if (localTxids.remove(txid) == null) {
                        route(keys);
                    }
                });
            }
            long now = nanos.getAsLong();
            localTxids.values().removeIf(at -> now - at > LOCAL_TXID_TTL_NANOS);
        } catch (RuntimeException e) {
            if (!pollFailing) {
                pollFailing = true;
                LOG.log(
                        System.Logger.Level.WARNING,
                        "the stream's change-log poller cannot read; pokes of other writers wait until it can",
                        e);
            }
        }
    }

    /** Drops stalled sockets, pings the others. */
    void heartbeat() {
        long beat = settings.heartbeat().toNanos();
        for (StreamConnection c : connections) {
            if (c.stalled(beat)) {
                drop(c, STALLED, "the socket stopped reading");
            } else if (c.ping()) {
                // Jetty writes a ping before it returns, however long the client takes to read: not on the timer
                Thread.ofVirtual().name("nizhal-stream-ping").start(() -> {
                    c.wire().sendPing();
                    c.pingSent();
                });
            }
        }
    }

    /** Closes with 4401 the sockets whose token the resolver no longer accepts (expired, or its key revoked). */
    void checkTokens() {
        Instant now = clock.now();
        for (StreamConnection c : connections) {
            Instant at = c.authCheckAt();
            if (c.state() != StreamConnection.State.READY || at == null || at.isAfter(now)) {
                continue;
            }
            try {
                Actor actor = actors.resolve(c.token());
                Instant next = nextTokenCheck(actor);
                c.authCheckAt(next.isAfter(now) ? next : now.plus(settings.authCheckInterval()));
            } catch (SyncException e) {
                drop(
                        c,
                        closeCode(SyncErrorCode.UNAUTHENTICATED),
                        reason(SyncErrorCode.UNAUTHENTICATED, "the token expired"));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "checking a socket's token failed; it is checked again", e);
                c.authCheckAt(now.plus(settings.authCheckInterval()));
            }
        }
    }

    /** When to check the token again: at its {@code exp} claim (epoch seconds), else a minute from now. */
    private Instant nextTokenCheck(Actor actor) {
        return actor.claim("exp")
                .filter(Number.class::isInstance)
                .map(exp -> Instant.ofEpochSecond(((Number) exp).longValue()))
                .orElseGet(() -> clock.now().plus(RECHECK_WITHOUT_EXPIRY));
    }

    // ---- stopping and looking inside

    /** Stops the timer and closes every socket with 1001 (going away). */
    @Override
    public void close() {
        closed = true;
        poller.shutdownNow();
        timer.shutdownNow();
        // a socket that opens from now on closes itself (see open)
        new ArrayList<>(connections).forEach(this::goAway);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int sockets() {
        return connections.size();
    }

    @Override
    public Set<String> connectedClients() {
        Set<String> ids = new HashSet<>();
        for (StreamConnection c : connections) {
            String id = c.clientId();
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    @Override
    public Optional<Instant> lastPoll() {
        return Optional.ofNullable(lastPoll);
    }

    /**
     * What the hub holds now: open sockets, index entries, frames waiting in all send queues, the stalled sockets
     * dropped so far and the polls done.
     */
    public Stats stats() {
        int waiting = 0;
        int maxWaiting = 0;
        for (StreamConnection c : connections) {
            int w = c.waiting();
            waiting += w;
            maxWaiting = Math.max(maxWaiting, w);
        }
        return new Stats(connections.size(), index.size(), waiting, maxWaiting, dropped.get(), polls.get());
    }

    public record Stats(
            int sockets,
            int indexedKeys,
            int waitingFrames,
            int maxWaitingPerSocket,
            long stalledDropped,
            long polls) {}

    static int closeCode(SyncErrorCode code) {
        return 4000 + code.httpStatus();
    }

    /** {@code CODE: message}, cut to the 123 bytes of UTF-8 a close reason may hold. */
    static String reason(SyncErrorCode code, String message) {
        String reason = code.name() + ": " + message;
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        int end = 120;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // not inside a multi-byte character
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }
}
