package dev.nizhal.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The realtime stream's fan-out: N WebSocket connections to {@code /sync/stream} of a server in a JVM of its own,
 * each its own user listening to its own {@code myNotes} bucket; then writes, one at a time, each into the bucket of
 * a random connected socket, and the time from the write to that socket's poke is one sample. Two kinds of write:
 *
 * <ul>
 *   <li>a push over HTTP ({@code addNote} by the bucket's owner, with a client id of its own): the server pokes right
 *       after its commit, in process. The clock starts when the request is sent, so a sample also holds the push's
 *       own work before its commit (about 3 ms here): an upper bound of commit → poke.
 *   <li>a plain SQL insert into {@code notes} (autocommit, from the bench's JVM): no process tells the server; its
 *       change-log poller finds the commit (every 200 ms by default) and pokes. The clock starts before the insert.
 * </ul>
 *
 * <p>At each number of sockets the server's heap is read after a full collection, and every socket that failed its
 * handshake, was refused or closed, and every write whose poke did not come within {@link #POKE_TIMEOUT}, is counted.
 */
final class FanoutMeasure {
    static final Duration POKE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PAUSE = Duration.ofMillis(10);
    /**
     * Before an SQL insert, also a random part of the poller's period: the insert follows the poke of the one before,
     * which came right after a poll, so with a fixed pause every insert would wait nearly a whole period.
     */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    /** Pokes of one socket and rule are at least 50 ms apart: a socket poked more recently is not chosen. */
    private static final long RECENTLY_POKED_NANOS = TimeUnit.MILLISECONDS.toNanos(150);
    /** Handshakes (and hellos) in flight at once while sockets open. */
    private static final int OPENING_AT_ONCE = 200;
    /** WebSockets are spread over this many HTTP clients (one selector thread each). */
    private static final int HTTP_CLIENTS = 4;

    private FanoutMeasure() {}

    /** The latencies of one kind of write at one number of sockets, in milliseconds. */
    record Latency(int samples, double p50, double p99, double max, int missed, double writeP50) {
        static Latency of(long[] nanos, int count, int missed, long[] writes) {
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            long[] written = Arrays.copyOf(writes, Math.min(writes.length, count + missed));
            Arrays.sort(written);
            return new Latency(
                    count,
                    count == 0 ? Double.NaN : sorted[count / 2] / 1e6,
                    count == 0 ? Double.NaN : sorted[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)] / 1e6,
                    count == 0 ? Double.NaN : sorted[count - 1] / 1e6,
                    missed,
                    written.length == 0 ? Double.NaN : written[written.length / 2] / 1e6);
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples, %d missed; the write itself: p50 %.1f ms)",
                    p50,
                    p99,
                    max,
                    samples,
                    missed,
                    writeP50);
        }
    }

    /**
     * One number of sockets: how many were open when the writes ended, both kinds of latency, the server's used heap
     * after a full collection and its resident memory, and the sockets' failures so far (handshakes failed, hellos
     * refused, sockets closed by the server, transport errors).
     */
    record Step(
            int sockets,
            int open,
            Latency push,
            Latency sql,
            long heapBytes,
            long residentBytes,
            long failedHandshakes,
            long closed,
            long socketErrors) {
        long problems() {
            return failedHandshakes + closed + socketErrors + push.missed() + sql.missed() + (sockets - open);
        }
    }

    /**
     * The sizes of a run: socket counts in increasing order, samples of each kind per count, warm-up pushes; then
     * {@code sharedSockets} more sockets of one user, all holding its one bucket, and {@code sharedWrites} pushes into
     * that bucket (none when 0).
     */
    record Sizes(
            List<Integer> sockets,
            int pushSamples,
            int sqlSamples,
            int warmUpPushes,
            int sharedSockets,
            int sharedWrites) {}

    /**
     * One push into a bucket that {@code sockets} sockets hold (one user's, the per-actor socket limit lifted), made
     * {@code writes} times: every socket's time from the push to its poke (pooled over the writes), the time to the
     * last socket's poke of each write (its median and max over the writes), and the pokes that did not come.
     */
    record Shared(int sockets, int writes, Latency perSocket, double lastP50, double lastMax, int open) {
        long problems() {
            return perSocket.missed() + (sockets - open);
        }
    }

    /** The steps' figures, and the shared bucket's (null when not measured). */
    record Result(List<Step> steps, Shared shared) {}

    static Result measure(BenchDatabase database, ServerProcess server, Sizes sizes, PrintStream log) throws Exception {
        String prefix = "fan-" + Long.toHexString(System.nanoTime()) + "-";
        URI stream = server.webSocket("sync/stream");
        URI push = server.uri("sync/push");
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < HTTP_CLIENTS; i++) {
            clients.add(HttpClient.newHttpClient());
        }
        Counters counters = new Counters();
        List<Socket> sockets = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        Shared shared = null;
        try (SyncHttp http = new SyncHttp();
                Connection c = database.connect();
                PreparedStatement insert =
                        c.prepareStatement("insert into notes(id, body, owner_id) values (?, 'a note', ?)")) {
            Write pushes = target -> {
                long id = target.nextMutation++;
                String body = http.post(push, target.token, PushMeasures.pushBody("fan-writer-" + target.owner, id, 1));
                if (!body.contains("\"applied\"")) {
                    throw new IllegalStateException("a push was not applied: " + body);
                }
            };
            AtomicLong notes = new AtomicLong();
            Write inserts = target -> {
                insert.setString(1, target.owner + "-sql-" + notes.incrementAndGet());
                insert.setString(2, target.owner);
                insert.executeUpdate();
            };
            boolean warm = false;
            for (int n : sizes.sockets()) {
                long opening = System.nanoTime();
                List<String> owners = new ArrayList<>();
                for (int i = sockets.size(); i < n; i++) {
                    owners.add(prefix + i);
                }
                sockets.addAll(open(clients, stream, server, owners, counters));
                List<Socket> open = sockets.stream().filter(Socket::isOpen).toList();
                log.printf(
                        Locale.ROOT,
                        "bench: fan-out: %,d of %,d sockets ready (%.1f s to open the new ones)%n",
                        open.size(),
                        n,
                        (System.nanoTime() - opening) / 1e9);
                if (open.isEmpty()) {
                    throw new IllegalStateException("no socket is open; the server's log: " + server.log());
                }
                if (!warm) {
                    sample(open, sizes.warmUpPushes(), pushes, Duration.ZERO);
                    warm = true;
                }
                Latency pushed = sample(open, sizes.pushSamples(), pushes, Duration.ZERO);
                Latency inserted = sample(open, sizes.sqlSamples(), inserts, POLL_INTERVAL);
                long heap = server.heapAfterFullGc();
                Step step = new Step(
                        n,
                        (int) sockets.stream().filter(Socket::isOpen).count(),
                        pushed,
                        inserted,
                        heap,
                        server.residentBytes(),
                        counters.failedHandshakes.get(),
                        counters.closed.get(),
                        counters.errors.get());
                steps.add(step);
                log.printf(
                        Locale.ROOT,
                        "bench: fan-out, %,d sockets (%,d open): push → poke %s; SQL insert → poke %s; server heap"
                                + " after a full GC %.1f MB, resident %.1f MB; failed handshakes %d, closed %d,"
                                + " errors %d, pokes nobody waited for %d, close codes %s; load average %.2f%n",
                        n,
                        step.open(),
                        pushed,
                        inserted,
                        heap / 1e6,
                        step.residentBytes() / 1e6,
                        step.failedHandshakes(),
                        step.closed(),
                        step.socketErrors(),
                        counters.strayPokes.get(),
                        counters.closeCodes,
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
            if (sizes.sharedSockets() > 0) {
                shared = shared(clients, stream, server, http, push, prefix + "shared", sizes, counters, sockets);
                log.printf(
                        Locale.ROOT,
                        "bench: fan-out, one bucket held by %,d sockets (%,d open) of one user, %d pushes into it: per"
                                + " socket %s; the last socket's poke: p50 %.1f ms, max %.1f ms (%,d other sockets open)%n",
                        shared.sockets(),
                        shared.open(),
                        shared.writes(),
                        shared.perSocket(),
                        shared.lastP50(),
                        shared.lastMax(),
                        sockets.stream().filter(Socket::isOpen).count());
            }
        } finally {
            counters.ending = true;
            for (Socket socket : sockets) {
                socket.abort();
            }
            for (HttpClient client : clients) {
                client.shutdownNow();
            }
        }
        return new Result(steps, shared);
    }

    /**
     * Opens {@code sizes.sharedSockets()} sockets of {@code owner}, then pushes {@code sizes.sharedWrites()} times into
     * its bucket, each time waiting for every socket's poke (at most {@link #POKE_TIMEOUT}) and then 100 ms more (so
     * that no poke is held back by the 50 ms between two pokes of a socket).
     */
    private static Shared shared(
            List<HttpClient> clients,
            URI stream,
            ServerProcess server,
            SyncHttp http,
            URI push,
            String owner,
            Sizes sizes,
            Counters counters,
            List<Socket> all)
            throws Exception {
        List<Socket> sockets =
                open(clients, stream, server, Collections.nCopies(sizes.sharedSockets(), owner), counters);
        all.addAll(sockets);
        List<Socket> open = sockets.stream().filter(Socket::isOpen).toList();
        if (open.isEmpty()) {
            throw new IllegalStateException(
                    "no socket of the shared bucket is open; the server's log: " + server.log());
        }
        String token = server.token(owner);
        int writes = sizes.sharedWrites();
        long[] perSocket = new long[writes * open.size()];
        long[] last = new long[writes];
        int count = 0;
        int missed = 0;
        for (int w = 0; w < writes; w++) {
            List<CompletableFuture<Long>> poked = new ArrayList<>();
            for (Socket socket : open) {
                CompletableFuture<Long> future = new CompletableFuture<>();
                socket.waiting = future;
                poked.add(future);
            }
            long start = System.nanoTime();
            String body = http.post(push, token, PushMeasures.pushBody("fan-writer-" + owner, w + 1, 1));
            if (!body.contains("\"applied\"")) {
                throw new IllegalStateException("a push was not applied: " + body);
            }
            long deadline = start + POKE_TIMEOUT.toNanos();
            long slowest = 0;
            for (CompletableFuture<Long> future : poked) {
                try {
                    long took = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) - start;
                    perSocket[count++] = took;
                    slowest = Math.max(slowest, took);
                } catch (TimeoutException e) {
                    missed++;
                    slowest = Math.max(slowest, POKE_TIMEOUT.toNanos());
                }
            }
            last[w] = slowest;
            for (Socket socket : open) {
                socket.waiting = null;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        Arrays.sort(last);
        return new Shared(
                sockets.size(),
                writes,
                Latency.of(perSocket, count, missed, new long[0]),
                last[writes / 2] / 1e6,
                last[writes - 1] / 1e6,
                (int) sockets.stream().filter(Socket::isOpen).count());
    }

    /** One write into {@code target}'s bucket. */
    private interface Write {
        void into(Socket target) throws Exception;
    }

    /**
     * {@code samples} writes, each into the bucket of a random socket of {@code open} and waiting for its poke (at
     * most {@link #POKE_TIMEOUT}: then it is counted as missed), {@link #PAUSE} and a random part of {@code jitter}
     * apart.
     */
    private static Latency sample(List<Socket> open, int samples, Write write, Duration jitter) throws Exception {
        long[] nanos = new long[samples];
        long[] writes = new long[samples];
        int count = 0;
        int missed = 0;
        for (int i = 0; i < samples; i++) {
            Socket target = pick(open);
            CompletableFuture<Long> poked = new CompletableFuture<>();
            target.waiting = poked;
            long start = System.nanoTime();
            write.into(target);
            writes[i] = System.nanoTime() - start;
            try {
                nanos[count++] = poked.get(POKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) - start;
            } catch (TimeoutException e) {
                count--;
                missed++;
            } finally {
                target.waiting = null;
            }
            long spread = jitter.toNanos();
            LockSupport.parkNanos(PAUSE.toNanos()
                    + (spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(spread)));
        }
        return Latency.of(nanos, count, missed, writes);
    }

    /** A random open socket not poked in the last {@link #RECENTLY_POKED_NANOS} (its next poke would be held back). */
    private static Socket pick(List<Socket> open) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Socket target = open.get(random.nextInt(open.size()));
        for (int tries = 0; tries < 100; tries++) {
            if (target.isOpen() && System.nanoTime() - target.lastPoke > RECENTLY_POKED_NANOS) {
                return target;
            }
            target = open.get(random.nextInt(open.size()));
        }
        return target;
    }

    /** Opens a socket for each of {@code owners}, at most {@link #OPENING_AT_ONCE} at a time. */
    private static List<Socket> open(
            List<HttpClient> clients, URI stream, ServerProcess server, List<String> owners, Counters counters)
            throws InterruptedException {
        Semaphore opening = new Semaphore(OPENING_AT_ONCE);
        List<Socket> added = new ArrayList<>();
        for (int i = 0; i < owners.size(); i++) {
            String owner = owners.get(i);
            Socket socket = new Socket(owner, owner + "-client-" + i, server.token(owner), counters);
            added.add(socket);
            opening.acquire();
            socket.ready.whenComplete((ok, failed) -> opening.release());
            clients.get(i % clients.size())
                    .newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(stream, socket)
                    .whenComplete((webSocket, failed) -> {
                        if (failed != null) {
                            counters.failedHandshakes.incrementAndGet();
                            socket.ready.completeExceptionally(failed);
                        }
                    });
        }
        for (Socket socket : added) {
            try {
                socket.ready.get(1, TimeUnit.MINUTES);
            } catch (ExecutionException | TimeoutException e) {
                // counted where it failed (handshake, refused hello, close) or below: the step reports it
                if (e instanceof TimeoutException) {
                    counters.failedHandshakes.incrementAndGet();
                }
            }
        }
        return added;
    }

    /** What went wrong with the sockets, over the whole run. */
    private static final class Counters {
        final AtomicLong failedHandshakes = new AtomicLong();
        final AtomicLong closed = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong strayPokes = new AtomicLong();
        final ConcurrentHashMap<Integer, AtomicLong> closeCodes = new ConcurrentHashMap<>();
        volatile boolean ending;
    }

    /**
     * One client of the stream: sends its hello on open (its token, {@code myNotes} with its own bucket), is ready at
     * {@code {"type":"ready"}}, and completes the write's future waiting on it at each poke.
     */
    private static final class Socket implements WebSocket.Listener {
        final String owner;
        final String clientId;
        final String token;
        final Counters counters;
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        volatile WebSocket webSocket;
        volatile boolean closed;
        volatile CompletableFuture<Long> waiting;
        volatile long lastPoke = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);
        /** The next mutation id of this owner's writer client (the writer thread's alone). */
        long nextMutation = 1;

        Socket(String owner, String clientId, String token, Counters counters) {
            this.owner = owner;
            this.clientId = clientId;
            this.token = token;
            this.counters = counters;
        }

        boolean isOpen() {
            return ready.isDone() && !ready.isCompletedExceptionally() && !closed;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            this.webSocket = webSocket;
            webSocket.request(Long.MAX_VALUE);
            webSocket.sendText(
                    "{\"type\":\"hello\",\"token\":\"" + token + "\",\"syncRules\":[\"myNotes\"],\"buckets\":"
                            + "{\"myNotes\":[{\"ownerId\":\"" + owner + "\"}]},\"clientId\":\"" + clientId + "\"}",
                    true);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            long at = System.nanoTime();
            partial.append(data);
            if (!last) {
                return null;
            }
            String frame = partial.toString();
            partial.setLength(0);
            if (frame.contains("\"poke\"")) {
                lastPoke = at;
                CompletableFuture<Long> w = waiting;
                if (w == null || !w.complete(at)) {
                    counters.strayPokes.incrementAndGet();
                }
            } else if (frame.contains("\"ready\"")) {
                ready.complete(null);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed = true;
            if (!counters.ending) {
                counters.closed.incrementAndGet();
                counters.closeCodes
                        .computeIfAbsent(statusCode, k -> new AtomicLong())
                        .incrementAndGet();
            }
            ready.completeExceptionally(new IOException("closed " + statusCode + ": " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed = true;
            if (!counters.ending) {
                counters.errors.incrementAndGet();
            }
            ready.completeExceptionally(error);
        }

        void abort() {
            WebSocket w = webSocket;
            if (w != null) {
                w.abort();
            }
        }
    }
}
