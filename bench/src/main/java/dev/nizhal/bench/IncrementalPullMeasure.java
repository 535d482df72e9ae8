package dev.nizhal.bench;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The incremental pull: a client that is up to date pulls the {@code CHANGES} new rows of its bucket (the demo's
 * {@code myNotes} of one owner), page after page until {@code hasMore} is false. Many clients of the same owner catch
 * up first, each to its own cursor, then the changes are written once and each client's pull is one sample, so every
 * sample reads the same window. The figures compare the same pull in two states of the database: the table at a
 * small and at a large size, and a window with no other changes and one holding about a million other buckets'
 * changes (a busy day).
 */
final class IncrementalPullMeasure {
    static final int CHANGES = 100;
    private static final int LIMIT = 1_000;

    private IncrementalPullMeasure() {}

    /** The latency of one pull in a state: median and 90th percentile over its samples, in milliseconds. */
    record Latency(double medianMillis, double p90Millis, int samples) {}

    /** A client that has caught up: its id and where it got to (its cursor and held buckets). */
    private record Caught(String clientId, InitialSyncMeasure.Client client) {}

    /**
     * Catches {@code clients} clients of a new owner up, writes {@code CHANGES} notes of that owner in one
     * transaction after {@code meanwhile} ran, and times each client's pull of them.
     */
    static Latency measure(BenchDatabase database, BenchServer server, SyncHttp http, int clients, Sql meanwhile)
            throws Exception {
        String owner = "inc-" + UUID.randomUUID();
        String token = server.token(owner);
        URI pull = server.uri("sync/pull");
        List<Caught> caught = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            caught.add(
                    pullAll(http, pull, token, new Caught(owner + "-c" + i, InitialSyncMeasure.Client.START), 0, null));
        }
        meanwhile.run();
        try (Connection c = database.connect();
                PreparedStatement insert = c.prepareStatement("insert into notes(id, body, owner_id)"
                        + " select ? || '-' || g, 'an incremental change', ? from generate_series(1, ?) g")) {
            insert.setString(1, owner);
            insert.setString(2, owner);
            insert.setInt(3, CHANGES);
            insert.executeUpdate();
        }
        double[] millis = new double[clients];
        for (int i = 0; i < clients; i++) {
            long start = System.nanoTime();
            pullAll(http, pull, token, caught.get(i), CHANGES, owner);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return new Latency(
                millis[clients / 2], millis[Math.min(clients - 1, (int) Math.ceil(clients * 0.9) - 1)], clients);
    }

    /** Pulls until up to date; fails unless exactly {@code expected} upserts arrived (when {@code owner} is given). */
    private static Caught pullAll(SyncHttp http, URI pull, String token, Caught from, long expected, String owner)
            throws Exception {
        InitialSyncMeasure.Client client = from.client();
        long upserts = 0;
        while (true) {
            InitialSyncMeasure.Page page =
                    InitialSyncMeasure.page(http.postStream(pull, token, client.request(from.clientId(), LIMIT)));
            upserts += page.upserts();
            client = client.after(page);
            if (!page.hasMore()) {
                break;
            }
        }
        if (owner != null && upserts != expected) {
            throw new IllegalStateException(
                    "an incremental pull of " + owner + " delivered " + upserts + " rows of " + expected);
        }
        return new Caught(from.clientId(), client);
    }

    /** Statements run on a connection of their own (autocommit). */
    @FunctionalInterface
    interface Sql {
        void run() throws Exception;

        static Sql none() {
            return () -> {};
        }
    }

    /** Other owners' notes (1,000 owners) until the table holds {@code total} rows; then vacuum analyze. */
    static void growTable(BenchDatabase database, long total) throws Exception {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            long now;
            try (var rs = s.executeQuery("select count(*) from notes")) {
                rs.next();
                now = rs.getLong(1);
            }
            try (PreparedStatement insert = c.prepareStatement("insert into notes(id, body, owner_id)"
                    + " select 'other-' || g, 'a note of another owner', 'other-' || (g % 1000)"
                    + " from generate_series(?::bigint, ?::bigint) g")) {
                insert.setLong(1, now + 1);
                insert.setLong(2, total);
                insert.executeUpdate();
            }
            s.execute("vacuum analyze notes");
        }
    }

    /**
     * A busy day: every other owner's note moves to an owner of its own, so the window holds one change-log row per
     * row moved (its new bucket; the old buckets are a thousand) and the table keeps its size; then vacuum analyze.
     * Answers the change-log rows it added.
     */
    static long busyDay(BenchDatabase database) throws Exception {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            long before = changeLogRows(s);
            s.executeUpdate("update notes set owner_id = 'busy-' || id where owner_id like 'other-%'");
            s.execute("vacuum analyze notes");
            return changeLogRows(s) - before;
        }
    }

    private static long changeLogRows(Statement s) throws Exception {
        try (var rs = s.executeQuery("select count(*) from nizhal.change_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
