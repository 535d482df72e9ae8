package dev.nizhal.bench.capture;

import dev.nizhal.Nizhal;
import dev.nizhal.domain.rules.SyncRules;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * What the capture triggers cost a writer: the same statements on a synced table (with Nizhal's triggers) and on an
 * identical plain table, in the same run and on the same embedded PostgreSQL, as throughput ratios (synced / plain,
 * 1.0 = free). Measures: single-row autocommit insert transactions from 2 connections, and 200k-row insert, update
 * of a non-bucket column and owner move (a bucket column change) statements. Run once with {@code fsync} off (the
 * CPU cost) and once with {@code fsync}, {@code full_page_writes} and {@code synchronous_commit} on (production
 * defaults). Usage and figures: bench/README.md, section "Capture cost".
 */
public final class CaptureCost {

    private static final int OWNERS = 200;

    private final int rows;
    private final int rounds;
    private final long singleRowMillis;

    private CaptureCost(int rows, int rounds, long singleRowMillis) {
        this.rows = rows;
        this.rounds = rounds;
        this.singleRowMillis = singleRowMillis;
    }

    /**
     * Arguments: {@code --rows N} (200000), {@code --rounds N} (3), {@code --seconds N} per single-row run (5),
     * {@code --fsync on|off|both} (both).
     */
    public static void main(String[] args) throws Exception {
        int rows = 200_000;
        int rounds = 3;
        int seconds = 5;
        String fsync = "both";
        boolean explain = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--fsync" -> fsync = args[i + 1];
                case "--explain" -> explain = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        CaptureCost bench = new CaptureCost(rows, rounds, seconds * 1000L);
        if (explain) {
            bench.explain();
            return;
        }
        System.out.println("| durability | measure | plain | synced | ratio |");
        System.out.println("| --- | --- | --- | --- | --- |");
        if (!fsync.equals("on")) {
            bench.run(false);
        }
        if (!fsync.equals("off")) {
            bench.run(true);
        }
    }

    private void run(boolean durable) throws IOException, SQLException, InterruptedException {
        String label = durable ? "fsync on, synchronous_commit on" : "fsync off, synchronous_commit on";
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", durable ? "on" : "off")
                .setServerConfig("full_page_writes", durable ? "on" : "off")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("max_wal_size", "4GB")
                .start()) {
            DataSource dataSource = postgres.getPostgresDatabase();
            install(dataSource);

            double[] single = singleRow(dataSource);
            print(label, "single-row insert tx, 2 connections (tx/s)", single[0], single[1], single[1] / single[0]);

            String[] names = {
                "insert " + rows + " rows", "update " + rows + " rows (body)", "owner move " + rows + " rows"
            };
            long[] plain = new long[3];
            long[] synced = new long[3];
            for (int round = 0; round < rounds; round++) {
                bulkRound(dataSource, round % 2 == 0, plain, synced);
            }
            for (int i = 0; i < 3; i++) {
                print(
                        label,
                        names[i] + " (ms)",
                        plain[i] / (double) rounds,
                        synced[i] / (double) rounds,
                        (double) plain[i] / synced[i]);
            }
        }
    }

    /**
     * Profiling, not measuring: the plans of the trigger's statements (auto_explain with nested statements, in the
     * server's log) for one single-row insert and one bulk statement of each kind.
     */
    private void explain() throws IOException, SQLException {
        try (EmbeddedPostgres postgres =
                EmbeddedPostgres.builder().setServerConfig("fsync", "off").start()) {
            DataSource dataSource = postgres.getPostgresDatabase();
            install(dataSource);
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("load 'auto_explain'");
                s.execute("set auto_explain.log_min_duration = 0");
                s.execute("set auto_explain.log_analyze = on");
                s.execute("set auto_explain.log_nested_statements = on");
                s.execute("insert into synced_notes values ('one', 'body', 'u1')");
                s.execute("insert into synced_notes select 'n' || i, 'body', 'u' || (i % " + OWNERS + ")"
                        + " from generate_series(1, " + rows + ") as i");
                s.execute("update synced_notes set body = body || 'x'");
                s.execute("update synced_notes set owner_id = owner_id || 'x'");
            }
        }
    }

    private static void print(String label, String measure, double plain, double synced, double ratio) {
        System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.2f |%n", label, measure, plain, synced, ratio);
    }

    private static void install(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("create table plain_notes(id text primary key, body text, owner_id text)");
            s.execute("create table synced_notes(id text primary key, body text, owner_id text)");
        }
        SyncRules rules = SyncRules.define(b -> b.rule(
                "myNotes",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("synced_notes")
                                .columns("id", "body", "owner_id")
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));
        try (Nizhal nizhal = Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(rules)
                .cursorKey(new byte[32])
                .build()) {
            nizhal.migrate();
        }
    }

    /** tx/s of plain and synced, each table measured twice, alternating, after a warm-up of each. */
    private double[] singleRow(DataSource dataSource) throws SQLException, InterruptedException {
        singleRowRate(dataSource, "plain_notes", "w", 1000);
        singleRowRate(dataSource, "synced_notes", "w", 1000);
        double plain = 0;
        double synced = 0;
        for (int i = 0; i < 2; i++) {
            plain += singleRowRate(dataSource, "plain_notes", "p" + i, singleRowMillis);
            synced += singleRowRate(dataSource, "synced_notes", "s" + i, singleRowMillis);
        }
        return new double[] {plain / 2, synced / 2};
    }

    private static double singleRowRate(DataSource dataSource, String table, String prefix, long millis)
            throws SQLException, InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Connection c = dataSource.getConnection();
            c.setAutoCommit(true);
            connections.add(c);
            String ids = prefix + "-" + t + "-";
            threads.add(Thread.ofPlatform().start(() -> {
                try (PreparedStatement insert = c.prepareStatement("insert into " + table + " values (?, 'body', ?)")) {
                    for (long n = 0; !stop.get(); n++) {
                        insert.setString(1, ids + n);
                        insert.setString(2, "u" + (n % OWNERS));
                        insert.executeUpdate();
                        done.incrementAndGet();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long start = System.nanoTime();
        Thread.sleep(millis);
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (Connection c : connections) {
            c.close();
        }
        return done.get() / seconds;
    }

    private void bulkRound(DataSource dataSource, boolean plainFirst, long[] plain, long[] synced) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("truncate plain_notes, synced_notes");
            s.execute("truncate nizhal.change_log");
            s.execute("vacuum analyze plain_notes, synced_notes");
            String insert = "insert into %s select 'n' || i, 'body', 'u' || (i %% " + OWNERS + ")"
                    + " from generate_series(1, " + rows + ") as i";
            timePair(s, insert, plainFirst, plain, synced, 0);
            timePair(s, "update %s set body = body || 'x'", plainFirst, plain, synced, 1);
            timePair(s, "update %s set owner_id = owner_id || 'x'", plainFirst, plain, synced, 2);
        }
    }

    private static void timePair(Statement s, String sql, boolean plainFirst, long[] plain, long[] synced, int i)
            throws SQLException {
        if (plainFirst) {
            plain[i] += time(s, sql.formatted("plain_notes"));
            synced[i] += time(s, sql.formatted("synced_notes"));
        } else {
            synced[i] += time(s, sql.formatted("synced_notes"));
            plain[i] += time(s, sql.formatted("plain_notes"));
        }
    }

    private static long time(Statement s, String sql) throws SQLException {
        s.execute("checkpoint");
        long start = System.nanoTime();
        s.execute(sql);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
