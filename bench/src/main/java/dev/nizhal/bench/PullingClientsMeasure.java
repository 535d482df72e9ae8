package dev.nizhal.bench;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Many clients pulling in a loop at once, each its own owner's {@code myNotes} (a few notes each), each on a virtual
 * thread and a kept-alive connection, while a writer adds a note for a random owner every 5 ms: the request latency
 * of the measured period (p50, p99), pulls per second and every answer that was not 200, by status.
 */
final class PullingClientsMeasure {
    private static final int NOTES_EACH = 5;

    private PullingClientsMeasure() {}

    record Result(
            int clients,
            double pullsPerSecond,
            double p50Millis,
            double p99Millis,
            long errors,
            String errorsByStatus) {}

    static Result measure(BenchDatabase database, BenchServer server, int clients, Duration warmUp, Duration measured)
            throws Exception {
        String prefix = "puller-" + Long.toHexString(System.nanoTime()) + "-";
        try (Connection c = database.connect();
                PreparedStatement insert = c.prepareStatement(
                        "insert into notes(id, body, owner_id)"
                                + " select ? || (g / ?) || '-' || g, 'a note', ? || (g / ?) from generate_series(0, ? - 1) g")) {
            insert.setString(1, prefix);
            insert.setInt(2, NOTES_EACH);
            insert.setString(3, prefix);
            insert.setInt(4, NOTES_EACH);
            insert.setInt(5, clients * NOTES_EACH);
            insert.executeUpdate();
        }
        URI pull = server.uri("sync/pull");
        long start = System.nanoTime() + warmUp.toNanos();
        long end = start + measured.toNanos();
        List<Samples> latencies = new ArrayList<>();
        AtomicLong pulls = new AtomicLong();
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        try (SyncHttp http = new SyncHttp()) {
            for (int i = 0; i < clients; i++) {
                String owner = prefix + i;
                String token = server.token(owner);
                Samples mine = new Samples();
                latencies.add(mine);
                threads.add(Thread.ofVirtual().name("bench-puller-" + i).start(() -> {
                    String clientId = owner + "-client";
                    InitialSyncMeasure.Client client = InitialSyncMeasure.Client.START;
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        try {
                            client = pullOnce(http, pull, token, clientId, client);
                            long took = System.nanoTime() - now;
                            if (now >= start) {
                                pulls.incrementAndGet();
                                mine.add(took);
                            }
                        } catch (Exception e) {
                            errors.computeIfAbsent(status(e), k -> new AtomicLong())
                                    .incrementAndGet();
                            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                        }
                    }
                }));
            }
            Thread writer =
                    Thread.ofPlatform().name("bench-puller-writer").start(() -> write(database, prefix, clients, end));
            for (Thread t : threads) {
                t.join();
            }
            writer.join();
        }
        // the threads are joined: their samples are visible here
        long[] all = latencies.stream()
                .flatMapToLong(mine -> Arrays.stream(mine.nanos, 0, mine.count))
                .sorted()
                .toArray();
        long errorCount = errors.values().stream().mapToLong(AtomicLong::get).sum();
        return new Result(
                clients,
                pulls.get() / (measured.toNanos() / 1e9),
                all.length == 0 ? Double.NaN : all[all.length / 2] / 1e6,
                all.length == 0 ? Double.NaN : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6,
                errorCount,
                errors.toString());
    }

    /**
     * Pulls for {@code duration} on {@code threads} clients, uncounted, each its own owner's {@code myNotes}, and every
     * 20th pull after a note of its owner was added: a fresh server runs its pull path interpreted at first (a
     * warmed pull takes about 1.4 ms, the first thousands up to 10 ms), so that 1,000 clients started on a cold
     * server measure the JIT's first seconds rather than the engine (bench/README.md, "Method").
     *
     * @return the pulls per second of the warm-up, for the log
     */
    static double warmUp(BenchDatabase database, BenchServer server, SyncHttp http, int threads, Duration duration)
            throws Exception {
        String prefix = "warm-puller-" + Long.toHexString(System.nanoTime()) + "-";
        return Load.perSecond(
                threads, Duration.ZERO, duration, index -> puller(database, server, http, prefix + index, 20));
    }

    /**
     * One client pulling its owner's {@code myNotes} in a loop from where it got to, for the probe (bench/README.md,
     * "Probes"): after its first pull it is up to date, and every pull after that reads an empty window.
     */
    static Load.Operation upToDatePulls(BenchDatabase database, BenchServer server, SyncHttp http) throws Exception {
        return puller(database, server, http, "probe-puller-" + Long.toHexString(System.nanoTime()), 0);
    }

    /** A client of {@code owner} pulling from where it got to; every {@code noteEvery}th pull (0: never) after a note of its owner was added. */
    private static Load.Operation puller(
            BenchDatabase database, BenchServer server, SyncHttp http, String owner, int noteEvery) throws Exception {
        URI pull = server.uri("sync/pull");
        String token = server.token(owner);
        Connection c = database.connect();
        PreparedStatement insert = c.prepareStatement("insert into notes(id, body, owner_id) values (?, ?, ?)");
        return new Load.Operation() {
            InitialSyncMeasure.Client client = InitialSyncMeasure.Client.START;
            long n;

            @Override
            public void run() throws Exception {
                if (noteEvery > 0 && ++n % noteEvery == 0) {
                    insert.setString(1, owner + "-" + n);
                    insert.setString(2, "a warm-up note");
                    insert.setString(3, owner);
                    insert.executeUpdate();
                }
                client = pullOnce(http, pull, token, owner + "-client", client);
            }

            @Override
            public void close() throws Exception {
                try (c) {
                    insert.close();
                }
            }
        };
    }

    /** One pull of {@code myNotes} from where {@code client} got to, every value read; where it gets to. */
    private static InitialSyncMeasure.Client pullOnce(
            SyncHttp http, URI pull, String token, String clientId, InitialSyncMeasure.Client client) throws Exception {
        return client.after(InitialSyncMeasure.page(http.postStream(pull, token, client.request(clientId, 500))));
    }

    /** One client's request latencies in nanoseconds (the first 65,536 of the measured period). */
    private static final class Samples {
        final long[] nanos = new long[1 << 16];
        int count;

        void add(long took) {
            if (count < nanos.length) {
                nanos[count++] = took;
            }
        }
    }

    private static void write(BenchDatabase database, String prefix, int clients, long end) {
        try (Connection c = database.connect();
                PreparedStatement insert =
                        c.prepareStatement("insert into notes(id, body, owner_id) values (?, ?, ?)")) {
            long n = 0;
            while (System.nanoTime() < end) {
                insert.setString(1, prefix + "w-" + n++);
                insert.setString(2, "a new note");
                insert.setString(3, prefix + ThreadLocalRandom.current().nextInt(clients));
                insert.executeUpdate();
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            }
        } catch (Exception e) {
            throw new IllegalStateException("the writer failed", e);
        }
    }

    /** "POST ... answered 503: ..." → "503"; anything else by its class. */
    private static String status(Exception e) {
        String message = String.valueOf(e.getMessage());
        int at = message.indexOf(" answered ");
        return at >= 0
                ? message.substring(at + 10, Math.min(message.length(), at + 13))
                : e.getClass().getSimpleName();
    }
}
