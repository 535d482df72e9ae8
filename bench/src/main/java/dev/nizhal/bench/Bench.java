package dev.nizhal.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The benchmarks' entry point: {@code Bench [--smoke | --quick | --long] [--out FILE]}. Starts an embedded PostgreSQL
 * and the embedded server with the demo apps for each configuration, runs the suite's measures and prints a Markdown
 * table of figures, each with the baseline measured in the same run and the ratio (bench/README.md).
 */
public final class Bench {

    /** The sizes and durations of a suite. */
    record Suite(
            String name,
            Duration warmUp,
            Duration measured,
            int drainQueued,
            int syncRows,
            Incremental incremental,
            int pullingClients,
            List<BenchDatabase.Durability> pushConfigurations,
            Set<String> only) {
        /** The same suite with only the measures {@code names} (push, drain, sync). */
        Suite only(Set<String> names) {
            for (String name : names) {
                if (!MEASURES.contains(name)) {
                    throw new IllegalArgumentException("no measure '" + name + "': " + MEASURES);
                }
            }
            return new Suite(
                    name,
                    warmUp,
                    measured,
                    drainQueued,
                    syncRows,
                    incremental,
                    pullingClients,
                    pushConfigurations,
                    Set.copyOf(names));
        }

        boolean runs(String measure) {
            return only.contains(measure);
        }

        static Suite named(String name) {
            List<BenchDatabase.Durability> both =
                    List.of(BenchDatabase.Durability.FSYNC_OFF, BenchDatabase.Durability.PRODUCTION_DEFAULT);
            return switch (name) {
                case "smoke" ->
                    new Suite(
                            name,
                            Duration.ofMillis(200),
                            Duration.ofMillis(800),
                            300,
                            2_000,
                            new Incremental(1_000, 5_000, 3),
                            20,
                            List.of(BenchDatabase.Durability.FSYNC_OFF),
                            MEASURES);
                case "quick" ->
                    new Suite(
                            name,
                            Duration.ofSeconds(3),
                            Duration.ofSeconds(10),
                            10_000,
                            200_000,
                            new Incremental(10_000, 1_000_000, 100),
                            1_000,
                            both,
                            MEASURES);
                case "long" ->
                    new Suite(
                            name,
                            Duration.ofSeconds(10),
                            Duration.ofSeconds(30),
                            10_000,
                            1_000_000,
                            new Incremental(10_000, 1_000_000, 100),
                            1_000,
                            both,
                            MEASURES);
                default -> throw new IllegalArgumentException("no suite '" + name + "': smoke, quick or long");
            };
        }
    }

    /**
     * The incremental pull's states: the table at {@code smallRows} and at {@code largeRows} rows, and then a window
     * with about {@code largeRows} other buckets' changes; {@code clients} samples in each.
     */
    record Incremental(int smallRows, int largeRows, int clients) {}

    /**
     * One figure: what was measured, its value and unit, the baseline of the same run (NaN when the target is
     * absolute) and the target.
     */
    record Figure(
            String measure,
            String configuration,
            double value,
            String unit,
            double baseline,
            String baselineUnit,
            String target) {
        double ratio() {
            return value / baseline;
        }
    }

    /**
     * The measures a suite runs: push (1 and 8 clients), drain, sync (initial sync), incremental (the incremental pull
     * against table size and a busy window), pullers (many clients pulling in a loop).
     */
    static final Set<String> MEASURES = Set.of("push", "drain", "sync", "incremental", "pullers");

    private Bench() {}

    public static void main(String[] args) throws Exception {
        String suiteName = "quick";
        Path out = null;
        Set<String> only = MEASURES;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> suiteName = "smoke";
                case "--quick" -> suiteName = "quick";
                case "--long" -> suiteName = "long";
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = Set.of(args[++i].split(","));
                default ->
                    throw new IllegalArgumentException(
                            "usage: Bench [--smoke|--quick|--long] [--only push,drain,sync,incremental,pullers] [--out FILE];"
                                    + " unknown: "
                                    + args[i]);
            }
        }
        String report = run(Suite.named(suiteName).only(only), System.out);
        System.out.println();
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report, StandardCharsets.UTF_8);
        }
        System.exit(0); // the embedded servers' threads are stopped; no reason to wait for stragglers
    }

    /** Runs {@code suite}, logging progress to {@code log}, and returns the Markdown report. */
    static String run(Suite suite, PrintStream log) throws Exception {
        List<Figure> figures = new ArrayList<>();
        String postgres = "";
        boolean first = true;
        for (BenchDatabase.Durability durability : suite.pushConfigurations()) {
            try (BenchDatabase database = BenchDatabase.start(durability);
                    BenchServer server = BenchServer.start(database);
                    SyncHttp http = new SyncHttp()) {
                postgres = version(database);
                log.printf("bench: %s suite, %s, server on %s%n", suite.name(), durability.label, server.uri(""));
                if (suite.runs("push")) {
                    figures.add(push(suite, database, server, http, 1, log));
                    figures.add(push(suite, database, server, http, 8, log));
                }
                if (suite.runs("drain")) {
                    double drained = PushMeasures.drain(server, http, suite.drainQueued(), 100);
                    figures.add(new Figure(
                            "outbox drain, 1 client, " + suite.drainQueued() + " mutations in batches of 100",
                            durability.label,
                            drained,
                            "mutations/s",
                            Double.NaN,
                            "",
                            "≥ 5,000 mutations/s"));
                    log.printf("bench: %s%n", format(figures.getLast()));
                    for (int size : new int[] {1, 100}) {
                        long trips = PushMeasures.roundTrips(server, http, size);
                        figures.add(new Figure(
                                "PostgreSQL round trips of one push of " + size
                                        + (size == 1 ? " mutation" : " mutations"),
                                durability.label,
                                trips,
                                "round trips (" + String.format(Locale.ROOT, "%.2f", trips / (double) size)
                                        + " per mutation)",
                                Double.NaN,
                                "",
                                ""));
                        log.printf("bench: %s%n", format(figures.getLast()));
                    }
                }
                if (first && suite.runs("sync")) {
                    figures.add(initialSync(suite, database, server, http, log));
                    first = false;
                }
            }
        }
        if (suite.runs("incremental") || suite.runs("pullers")) {
            // a database of their own, so that the table's size and the change log's contents are what they state
            try (BenchDatabase database = BenchDatabase.start(BenchDatabase.Durability.FSYNC_OFF);
                    BenchServer server = BenchServer.start(database);
                    SyncHttp http = new SyncHttp()) {
                postgres = version(database);
                if (suite.runs("pullers")) {
                    figures.add(pullingClients(suite, database, server, log));
                }
                if (suite.runs("incremental")) {
                    figures.addAll(incremental(suite, database, server, http, log));
                }
            }
        }
        return report(suite, figures, postgres);
    }

    private static List<Figure> incremental(
            Suite suite, BenchDatabase database, BenchServer server, SyncHttp http, PrintStream log) throws Exception {
        Incremental sizes = suite.incremental();
        int n = sizes.clients();
        String label = BenchDatabase.Durability.FSYNC_OFF.label;
        IncrementalPullMeasure.growTable(database, sizes.smallRows());
        IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none()); // warm-up
        IncrementalPullMeasure.Latency small =
                IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none());
        log.printf("bench: incremental pull, table at %,d rows: %s%n", sizes.smallRows(), small);
        IncrementalPullMeasure.growTable(database, sizes.largeRows());
        IncrementalPullMeasure.Latency large =
                IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none());
        log.printf("bench: incremental pull, table at %,d rows: %s%n", sizes.largeRows(), large);
        IncrementalPullMeasure.Latency quiet =
                IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none());
        long[] busyRows = new long[1];
        IncrementalPullMeasure.Latency busy = IncrementalPullMeasure.measure(
                database, server, http, n, () -> busyRows[0] = IncrementalPullMeasure.busyDay(database));
        log.printf(
                "bench: incremental pull, quiet window: %s; busy window (%,d other change-log rows): %s%n",
                quiet, busyRows[0], busy);
        String pull =
                "incremental pull of " + IncrementalPullMeasure.CHANGES + " changes (median of " + n + " clients)";
        return List.of(
                new Figure(
                        pull + ", table at " + String.format(Locale.ROOT, "%,d", sizes.largeRows()) + " rows",
                        label,
                        large.medianMillis(),
                        "ms",
                        small.medianMillis(),
                        "ms at " + String.format(Locale.ROOT, "%,d", sizes.smallRows()) + " rows",
                        "ratio ≤ 1.5"),
                new Figure(
                        pull + ", " + String.format(Locale.ROOT, "%,d", busyRows[0])
                                + " other buckets' change-log rows in its window",
                        label,
                        busy.medianMillis(),
                        "ms",
                        quiet.medianMillis(),
                        "ms with none",
                        "ratio ≤ 1.5"));
    }

    private static Figure pullingClients(Suite suite, BenchDatabase database, BenchServer server, PrintStream log)
            throws Exception {
        PullingClientsMeasure.Result result = PullingClientsMeasure.measure(
                database, server, suite.pullingClients(), suite.warmUp(), suite.measured());
        log.printf("bench: %d clients pulling in a loop: %s%n", suite.pullingClients(), result);
        return new Figure(
                String.format(
                        Locale.ROOT,
                        "%,d clients pulling in a loop: p50 %.1f ms, p99 %.1f ms, %d answers not 200%s",
                        result.clients(),
                        result.p50Millis(),
                        result.p99Millis(),
                        result.errors(),
                        result.errors() == 0 ? "" : " " + result.errorsByStatus()),
                BenchDatabase.Durability.FSYNC_OFF.label,
                result.pullsPerSecond(),
                "pulls/s",
                Double.NaN,
                "",
                "no errors; p50/p99 reported");
    }

    private static Figure push(
            Suite suite, BenchDatabase database, BenchServer server, SyncHttp http, int clients, PrintStream log)
            throws Exception {
        Load.Operations raw = i -> PushMeasures.rawInserts(database, "raw");
        Load.Operations pushes = i -> PushMeasures.pushingClient(server, http, "alice");
        // baseline, subject, baseline: the baseline is their mean, so a drift of the machine shows less
        double before = Load.perSecond(clients, suite.warmUp(), suite.measured(), raw);
        double subject = Load.perSecond(clients, suite.warmUp(), suite.measured(), pushes);
        double after = Load.perSecond(clients, suite.warmUp(), suite.measured(), raw);
        Figure figure = new Figure(
                "single-mutation push over HTTP, " + clients + (clients == 1 ? " client" : " concurrent clients"),
                database.durability.label,
                subject,
                "pushes/s",
                (before + after) / 2,
                "raw insert tx/s",
                "≥ 0.30 of raw JDBC insert transactions, " + clients + (clients == 1 ? " connection" : " connections"));
        log.printf("bench: %s (raw JDBC %.0f/s then %.0f/s)%n", format(figure), before, after);
        return figure;
    }

    private static Figure initialSync(
            Suite suite, BenchDatabase database, BenchServer server, SyncHttp http, PrintStream log) throws Exception {
        InitialSyncMeasure.fill(database, suite.syncRows());
        int rows = suite.syncRows();
        // baseline, subject, baseline, each as whole passes after a warm-up (the first pass of each is kept for the
        // log: a cold server's figure)
        InitialSyncMeasure.Rate before = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.jdbcRead(database, rows));
        InitialSyncMeasure.Rate subject = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.pull(server, http, rows));
        InitialSyncMeasure.Rate after = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.jdbcRead(database, rows));
        Figure figure = new Figure(
                "initial sync of a " + suite.syncRows() + "-row bucket over HTTP, limit " + InitialSyncMeasure.LIMIT,
                database.durability.label,
                subject.perSecond(),
                "rows/s",
                (before.perSecond() + after.perSecond()) / 2,
                "rows/s (JDBC read)",
                "≥ 200k rows/s and ≥ 0.30 of a plain JDBC read of the rows");
        log.printf(
                "bench: initial sync: %d measured passes; first passes (cold): sync %.0f rows/s, JDBC %.0f then %.0f"
                        + " rows/s%n",
                subject.passes(), subject.firstPass(), before.firstPass(), after.firstPass());
        log.printf("bench: %s%n", format(figure));
        return figure;
    }

    private static String version(BenchDatabase database) throws Exception {
        try (Connection c = database.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("show server_version")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1);
        }
    }

    private static String format(Figure f) {
        return Double.isNaN(f.baseline())
                ? String.format(Locale.ROOT, "%s [%s]: %.0f %s", f.measure(), f.configuration(), f.value(), f.unit())
                : String.format(
                        Locale.ROOT,
                        "%s [%s]: %.0f %s, baseline %.0f %s, ratio %.2f",
                        f.measure(),
                        f.configuration(),
                        f.value(),
                        f.unit(),
                        f.baseline(),
                        f.baselineUnit(),
                        f.ratio());
    }

    static String report(Suite suite, List<Figure> figures, String postgres) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(
                Locale.ROOT,
                "Suite %s, %s, commit %s, %d cores, Java %s, %s%n%n",
                suite.name(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                commit(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.version().feature(),
                postgres));
        md.append("| measure | configuration | figure | baseline (same run) | ratio | target |\n");
        md.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Figure f : figures) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %,.0f %s | %s | %s | %s |%n",
                    f.measure(),
                    f.configuration(),
                    f.value(),
                    f.unit(),
                    Double.isNaN(f.baseline())
                            ? ""
                            : String.format(Locale.ROOT, "%,.0f %s", f.baseline(), f.baselineUnit()),
                    Double.isNaN(f.baseline()) ? "" : String.format(Locale.ROOT, "%.2f", f.ratio()),
                    f.target()));
        }
        return md.toString();
    }

    /** The checked-out commit, when run from a Git work tree. */
    private static String commit() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
