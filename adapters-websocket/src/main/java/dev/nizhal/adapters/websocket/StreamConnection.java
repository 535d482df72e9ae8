package dev.nizhal.adapters.websocket;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.WatchChanges;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One socket of the stream: its actor and watched keys, and its send side. The send side holds at most one frame
 * being written and, waiting, at most one poke per rule and one ping: whatever happens, a socket's memory is bounded
 * by its number of rules. Pokes of a rule coalesce: at most one per {@code minPokeInterval}.
 */
final class StreamConnection {
    enum State {
        HELLO,
        READY,
        CLOSED
    }

    static final String READY_FRAME = "{\"type\":\"ready\"}";
    static final String PING_FRAME = "{\"type\":\"ping\"}";

    private final Wire wire;
    private final ScheduledExecutorService timer;
    private final LongSupplier nanos;
    private final long minPokeNanos;

    // guarded by this
    private State state = State.HELLO;
    private Actor actor;
    private String token;
    private String clientId;
    private Instant authCheckAt;
    private Map<String, String> filters = new HashMap<>();
    private final Map<String, WatchChanges.Watch> watches = new HashMap<>();
    private final Set<String> pendingPokes = new LinkedHashSet<>();
    private boolean pendingPing;
    private boolean sending;
    private long sendStarted;
    private boolean flushScheduled;
    private final Map<String, Long> lastPoke = new HashMap<>();
    /** When the oldest ping still without a pong was sent; meaningful while {@code awaitingPong}. */
    private long unansweredSince;

    /** The actor id this socket is counted under in the hub's sockets per actor, or null. */
    private String countedAs;

    private boolean awaitingPong;
    private boolean pingInFlight;
    private final Set<String> recomputing = new HashSet<>();
    private final Set<String> recomputeAgain = new HashSet<>();

    StreamConnection(Wire wire, ScheduledExecutorService timer, LongSupplier nanos, long minPokeNanos) {
        this.wire = wire;
        this.timer = timer;
        this.nanos = nanos;
        this.minPokeNanos = minPokeNanos;
    }

    Wire wire() {
        return wire;
    }

    synchronized State state() {
        return state;
    }

    synchronized Actor actor() {
        return actor;
    }

    /** The client id its hello named, or null. */
    synchronized String clientId() {
        return clientId;
    }

    synchronized void clientId(String value) {
        this.clientId = value;
    }

    synchronized String token() {
        return token;
    }

    synchronized String filter(String rule) {
        return filters.get(rule);
    }

    synchronized Instant authCheckAt() {
        return authCheckAt;
    }

    synchronized void authCheckAt(Instant at) {
        this.authCheckAt = at;
    }

    /** The socket now counts as one of {@code actorId}'s. */
    synchronized void countedAs(String actorId) {
        this.countedAs = actorId;
    }

    /** The actor id the socket counted under, once: null when it was not counted, or was uncounted already. */
    synchronized String uncount() {
        String id = countedAs;
        countedAs = null;
        return id;
    }

    /** The hello's token is good: the socket's actor, token and filters, while its watches are read. */
    synchronized void authenticated(Actor actor, String token, Map<String, String> filters) {
        this.actor = actor;
        this.token = token;
        this.filters = new HashMap<>(filters); // null: no filter for that rule
    }

    /** The hello was accepted: from now on the socket gets pokes. False when it closed meanwhile. */
    synchronized boolean ready(Instant authCheckAt) {
        if (state != State.HELLO) {
            return false;
        }
        this.state = State.READY;
        this.authCheckAt = authCheckAt;
        send(READY_FRAME);
        return true;
    }

    /**
     * Claims the recompute of {@code rule}'s watch: true when none runs, else the running one is asked to run once
     * more ({@link #finishRecompute}), so that at most one runs per rule and none is lost.
     */
    synchronized boolean startRecompute(String rule) {
        if (recomputing.add(rule)) {
            return true;
        }
        recomputeAgain.add(rule);
        return false;
    }

    /** A recompute of {@code rule} is done: true when it must run once more (and stays claimed). */
    synchronized boolean finishRecompute(String rule) {
        if (recomputeAgain.remove(rule)) {
            return true;
        }
        recomputing.remove(rule);
        return false;
    }

    /** Replaces the watch of {@code watch.syncRule()}; returns the one it replaced, or null. */
    synchronized WatchChanges.Watch watch(WatchChanges.Watch watch) {
        return watches.put(watch.syncRule(), watch);
    }

    synchronized Map<String, WatchChanges.Watch> watches() {
        return Map.copyOf(watches);
    }

    /** Marks the socket closed; true the first time (the caller then unindexes it and closes the wire). */
    synchronized boolean markClosed() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        pendingPokes.clear();
        pendingPing = false;
        return true;
    }

    /** Queues a poke of {@code rule}, unless one is already waiting (coalesced). */
    synchronized void poke(String rule) {
        if (state != State.READY || !pendingPokes.add(rule)) {
            return;
        }
        flush();
    }

    /**
     * A heartbeat: a ping frame after whatever is being written, and true when the caller is to send a WebSocket
     * ping now (off this lock: Jetty returns from it once written) and call {@link #pingSent()} after; false while
     * the last one is still being written.
     */
    synchronized boolean ping() {
        if (state == State.CLOSED || pingInFlight) {
            return false;
        }
        if (!awaitingPong) {
            awaitingPong = true;
            unansweredSince = nanos.getAsLong();
        }
        pingInFlight = true;
        if (state == State.READY) {
            pendingPing = true;
            flush();
        }
        return true;
    }

    synchronized void pingSent() {
        pingInFlight = false;
    }

    synchronized void pong() {
        awaitingPong = false;
    }

    /**
     * Stalled: a WebSocket ping sent at least {@code heartbeatNanos} ago has had no pong since, or the frame being
     * written has not been written for {@code heartbeatNanos}.
     */
    synchronized boolean stalled(long heartbeatNanos) {
        long now = nanos.getAsLong();
        boolean unanswered = awaitingPong && now - unansweredSince >= heartbeatNanos;
        boolean stuck = sending && now - sendStarted >= heartbeatNanos;
        return unanswered || stuck;
    }

    /** Frames waiting to be written (pokes and a ping), for the bounded-memory checks. */
    synchronized int waiting() {
        return pendingPokes.size() + (pendingPing ? 1 : 0) + (sending ? 1 : 0);
    }

    /** Writes the next frame that may go now, if none is being written; schedules one for a coalesced poke. */
    private void flush() {
        if (sending || state != State.READY) {
            return;
        }
        if (pendingPing) {
            pendingPing = false;
            send(PING_FRAME);
            return;
        }
        long now = nanos.getAsLong();
        long earliest = Long.MAX_VALUE;
        for (String rule : pendingPokes) {
            Long last = lastPoke.get(rule);
            long due = last == null ? now : last + minPokeNanos;
            if (due - now <= 0) {
                pendingPokes.remove(rule);
                lastPoke.put(rule, now);
                send("{\"type\":\"poke\",\"syncRule\":" + quoted(rule) + "}");
                return;
            }
            earliest = Math.min(earliest, due - now);
        }
        if (earliest != Long.MAX_VALUE && !flushScheduled) {
            flushScheduled = true;
            timer.schedule(this::scheduledFlush, earliest, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void scheduledFlush() {
        flushScheduled = false;
        flush();
    }

    private void send(String frame) {
        sending = true;
        sendStarted = nanos.getAsLong();
        wire.sendText(frame, this::sent);
    }

    private synchronized void sent(Throwable failure) {
        sending = false;
        if (failure != null) {
            // the socket is going away; the container's close callback unregisters it
            pendingPokes.clear();
            pendingPing = false;
            return;
        }
        flush();
    }

    /** A rule name as a JSON string. */
    static String quoted(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}
