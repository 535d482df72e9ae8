package dev.nizhal.bench;

import dev.nizhal.bench.plot.LinePlot;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The benchmarks' entry point: {@code Bench [--smoke | --quick | --long] [--only ...] [--out FILE] [--plots DIR]}.
 * Starts an embedded PostgreSQL and the embedded server with the demo apps for each configuration, runs the suite's
 * measures and prints a Markdown table of figures, each with the baseline measured in the same run and the ratio
 * (bench/README.md); the incremental pull also writes its pull cost vs table size series to {@code DIR} (default
 * {@code target}) as a CSV file and a PNG plot.
 */
public final class Bench {

    /** The sizes and durations of a suite. */
    record Suite(
            String name,
            Duration serverWarmUp,
            Duration warmUp,
            Duration measured,
            int drainQueued,
            int syncRows,
            Incremental incremental,
            int pullingClients,
            FanoutMeasure.Sizes fanout,
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
                    serverWarmUp,
                    warmUp,
                    measured,
                    drainQueued,
                    syncRows,
                    incremental,
                    pullingClients,
                    fanout,
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
                            Duration.ofMillis(400),
                            Duration.ofMillis(200),
                            Duration.ofMillis(800),
                            300,
                            12_000, // three pages: the next page is asked for on a head
                            new Incremental(List.of(1_000, 2_500, 5_000), 3),
                            20,
                            new FanoutMeasure.Sizes(List.of(20, 50), 20, 5, 10, 10, 3),
                            List.of(BenchDatabase.Durability.FSYNC_OFF),
                            MEASURES);
                case "quick" ->
                    new Suite(
                            name,
                            Duration.ofSeconds(40),
                            Duration.ofSeconds(3),
                            Duration.ofSeconds(10),
                            10_000,
                            200_000,
                            new Incremental(List.of(10_000, 100_000, 300_000, 1_000_000), 100),
                            1_000,
                            FANOUT_STEPS,
                            both,
                            MEASURES);
                case "long" ->
                    new Suite(
                            name,
                            Duration.ofSeconds(60),
                            Duration.ofSeconds(10),
                            Duration.ofSeconds(30),
                            10_000,
                            1_000_000,
                            new Incremental(List.of(10_000, 100_000, 300_000, 1_000_000), 100),
                            1_000,
                            new FanoutMeasure.Sizes(FANOUT_STEPS.sockets(), 2_000, 300, 200, 1_000, 50),
                            both,
                            MEASURES);
                default -> throw new IllegalArgumentException("no suite '" + name + "': smoke, quick or long");
            };
        }
    }

    /** The fan-out's socket counts of the quick and long suites (issue 12's target is at 10,000). */
    private static final FanoutMeasure.Sizes FANOUT_STEPS =
            new FanoutMeasure.Sizes(List.of(1_000, 2_000, 5_000, 10_000), 400, 100, 200, 1_000, 20);

    /** The fan-out's server runs in a JVM of its own with this heap (the target: under 512 MB at 10k sockets). */
    static final String FANOUT_SERVER_HEAP = "512m";

    /**
     * The incremental pull's states: the table at each of {@code tableRows} (ascending; the pull cost vs table size
     * series, whose first and last sizes give the ratio figure), and then a window with about as many other buckets'
     * changes as the last size; {@code clients} samples in each.
     */
    record Incremental(List<Integer> tableRows, int clients) {
        Incremental {
            tableRows = List.copyOf(tableRows);
            if (tableRows.size() < 2) {
                throw new IllegalArgumentException("the series needs at least two table sizes: " + tableRows);
            }
            for (int i = 1; i < tableRows.size(); i++) {
                if (tableRows.get(i) <= tableRows.get(i - 1)) {
                    throw new IllegalArgumentException("table sizes go up: " + tableRows);
                }
            }
        }

        int smallRows() {
            return tableRows.getFirst();
        }

        int largeRows() {
            return tableRows.getLast();
        }
    }

    /** One point of the pull cost vs table size series: the incremental pull's latency with the table at a size. */
    record TableSizePoint(int tableRows, IncrementalPullMeasure.Latency latency) {}

    /** Rounds of the incremental pull (each client's catch-up and pull) before its first measured state. */
    static final int INCREMENTAL_WARM_UP_ROUNDS = 5;

    /** The file names of the pull cost vs table size series, in the plots' folder. */
    static final String PULL_COST_VS_TABLE_SIZE = "pull-cost-vs-table-size";

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
     * against table size and a busy window), pullers (many clients pulling in a loop), fanout (write → poke latency
     * against the number of connected WebSockets).
     */
    static final Set<String> MEASURES = Set.of("push", "drain", "sync", "incremental", "pullers", "fanout");

    private Bench() {}

    public static void main(String[] args) throws Exception {
        String suiteName = "quick";
        Path out = null;
        Path plots = Path.of("target");
        Set<String> only = MEASURES;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> suiteName = "smoke";
                case "--quick" -> suiteName = "quick";
                case "--long" -> suiteName = "long";
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = Set.of(args[++i].split(","));
                case "--plots" -> plots = Path.of(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "usage: Bench [--smoke|--quick|--long] [--only push,drain,sync,incremental,pullers,fanout]"
                                    + " [--out FILE] [--plots DIR];"
                                    + " unknown: "
                                    + args[i]);
            }
        }
        String report = run(Suite.named(suiteName).only(only), System.out, plots);
        System.out.println();
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report, StandardCharsets.UTF_8);
        }
        System.exit(0); // the embedded servers' threads are stopped; no reason to wait for stragglers
    }

    /**
     * Runs {@code suite}, logging progress to {@code log}, and returns the Markdown report; plots (PNG) and their data
     * (CSV) go to the folder {@code plots}.
     */
    static String run(Suite suite, PrintStream log, Path plots) throws Exception {
        List<Figure> figures = new ArrayList<>();
        List<TableSizePoint> tableSeries = new ArrayList<>();
        String postgres = "";
        boolean first = true;
        List<BenchDatabase.Durability> configurations = suite.runs("push") || suite.runs("drain") || suite.runs("sync")
                ? suite.pushConfigurations()
                : List.of();
        for (BenchDatabase.Durability durability : configurations) {
            try (BenchDatabase database = BenchDatabase.start(durability);
                    BenchServer server = BenchServer.start(database);
                    SyncHttp http = new SyncHttp()) {
                postgres = version(database);
                log.printf("bench: %s suite, %s, server on %s%n", suite.name(), durability.label, server.uri(""));
                if (suite.runs("push") || suite.runs("drain")) {
                    warmUp(suite, server, http, log);
                }
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
                    figures.addAll(initialSync(suite, database, server, http, log));
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
                    // a just-started server first: every client starts at once while the JIT has compiled nothing
                    figures.add(pullingClients(suite, database, server, "a just-started server", "reported", log));
                    double warm = PullingClientsMeasure.warmUp(database, server, http, 4, suite.serverWarmUp());
                    log.printf(
                            Locale.ROOT,
                            "bench: server warm-up, %d s: %.0f pulls/s on 4 clients (not figures)%n",
                            suite.serverWarmUp().toSeconds(),
                            warm);
                    figures.add(pullingClients(
                            suite, database, server, "a warmed server", "no errors; p50/p99 reported", log));
                }
                if (suite.runs("incremental")) {
                    figures.addAll(incremental(suite, database, server, http, log, tableSeries));
                    writePullCostVsTableSize(
                            plots, tableSeries, suite.incremental().clients(), log);
                }
            }
        }
        if (suite.runs("fanout")) {
            // the server in a JVM of its own, so that its heap holds only the server and its sockets
            try (BenchDatabase database = BenchDatabase.start(BenchDatabase.Durability.FSYNC_OFF);
                    ServerProcess server =
                            ServerProcess.start(database, FANOUT_SERVER_HEAP, plots.resolve("fanout-server.log"))) {
                postgres = version(database);
                log.printf("bench: fan-out, server process %d on %s%n", server.pid(), server.uri(""));
                figures.addAll(fanout(suite, database, server, plots, log));
            }
        }
        return report(suite, figures, tableSeries, postgres);
    }

    private static List<Figure> fanout(
            Suite suite, BenchDatabase database, ServerProcess server, Path plots, PrintStream log) throws Exception {
        FanoutMeasure.Result result = FanoutMeasure.measure(database, server, suite.fanout(), log);
        List<FanoutMeasure.Step> steps = result.steps();
        FanoutPlot.write(steps, plots);
        log.printf(
                "bench: fan-out plot and data: %s%n",
                plots.resolve(FanoutPlot.PNG).toAbsolutePath());
        String configuration = "fsync off; server JVM -Xmx" + FANOUT_SERVER_HEAP;
        String target = "p99 < 200 ms and heap < 512 MB at 10,000 sockets";
        List<Figure> figures = new ArrayList<>();
        for (FanoutMeasure.Step step : steps) {
            figures.add(new Figure(
                    String.format(
                            Locale.ROOT,
                            "push over HTTP → poke, %,d sockets (%,d open): p50 %.1f ms, max %.1f ms, %d samples (the"
                                    + " push answered: p50 %.1f ms); server heap after a full GC %.0f MB; %d socket"
                                    + " problems",
                            step.sockets(),
                            step.open(),
                            step.push().p50(),
                            step.push().max(),
                            step.push().samples(),
                            step.push().writeP50(),
                            step.heapBytes() / 1e6,
                            step.problems()),
                    configuration,
                    step.push().p99(),
                    "ms p99",
                    Double.NaN,
                    "",
                    target));
        }
        for (FanoutMeasure.Step step : steps) {
            figures.add(new Figure(
                    String.format(
                            Locale.ROOT,
                            "SQL insert → poke (the change-log poller, every 200 ms), %,d sockets: p50 %.1f ms, max %.1f"
                                    + " ms, %d samples, %d missed",
                            step.sockets(),
                            step.sql().p50(),
                            step.sql().max(),
                            step.sql().samples(),
                            step.sql().missed()),
                    configuration,
                    step.sql().p99(),
                    "ms p99",
                    Double.NaN,
                    "",
                    "none (reported)"));
        }
        FanoutMeasure.Shared shared = result.shared();
        if (shared != null) {
            figures.add(new Figure(
                    String.format(
                            Locale.ROOT,
                            "push over HTTP → poke at each of %,d sockets holding its bucket (one user), %d pushes:"
                                    + " per socket p50 %.1f ms, p99 %.1f ms; the last socket's poke: max %.1f ms;"
                                    + " %d socket problems",
                            shared.sockets(),
                            shared.writes(),
                            shared.perSocket().p50(),
                            shared.perSocket().p99(),
                            shared.lastMax(),
                            shared.problems()),
                    configuration,
                    shared.lastP50(),
                    "ms p50 to the last socket",
                    Double.NaN,
                    "",
                    "none (reported)"));
        }
        return figures;
    }

    /** The series as {@code pull-cost-vs-table-size.csv} and {@code .png} in {@code plots}. */
    private static void writePullCostVsTableSize(Path plots, List<TableSizePoint> series, int clients, PrintStream log)
            throws IOException {
        Files.createDirectories(plots);
        StringBuilder csv = new StringBuilder("table_rows,median_ms,p90_ms,samples\n");
        List<double[]> median = new ArrayList<>();
        List<double[]> p90 = new ArrayList<>();
        for (TableSizePoint point : series) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%d,%.3f,%.3f,%d%n",
                    point.tableRows(),
                    point.latency().medianMillis(),
                    point.latency().p90Millis(),
                    point.latency().samples()));
            median.add(new double[] {point.tableRows(), point.latency().medianMillis()});
            p90.add(new double[] {point.tableRows(), point.latency().p90Millis()});
        }
        Path csvFile = plots.resolve(PULL_COST_VS_TABLE_SIZE + ".csv");
        Files.writeString(csvFile, csv, StandardCharsets.UTF_8);
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        lines.put("median", median);
        lines.put("90th percentile", p90);
        Path png = plots.resolve(PULL_COST_VS_TABLE_SIZE + ".png");
        LinePlot.write(
                png,
                "Incremental pull of " + IncrementalPullMeasure.CHANGES + " changes vs table size (" + clients
                        + " clients)",
                "rows in the table (log scale)",
                "pull latency, ms",
                lines,
                true);
        log.printf("bench: pull cost vs table size: %s, %s%n", csvFile, png);
    }

    /**
     * The incremental pull at each table size of the suite (added to {@code series}, smallest first), then in a quiet
     * and a busy window; answers the two ratio figures (largest vs smallest table, busy vs quiet window).
     */
    private static List<Figure> incremental(
            Suite suite,
            BenchDatabase database,
            BenchServer server,
            SyncHttp http,
            PrintStream log,
            List<TableSizePoint> series)
            throws Exception {
        Incremental sizes = suite.incremental();
        int n = sizes.clients();
        String label = BenchDatabase.Durability.FSYNC_OFF.label;
        IncrementalPullMeasure.growTable(database, sizes.smallRows());
        // the warm-up: with one round, the first sizes measured ran on a server the JIT had not finished compiling
        // (the series fell as the table grew)
        for (int i = 0; i < INCREMENTAL_WARM_UP_ROUNDS; i++) {
            IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none());
        }
        for (int rows : sizes.tableRows()) {
            IncrementalPullMeasure.growTable(database, rows);
            IncrementalPullMeasure.Latency latency =
                    IncrementalPullMeasure.measure(database, server, http, n, IncrementalPullMeasure.Sql.none());
            log.printf("bench: incremental pull, table at %,d rows: %s%n", rows, latency);
            series.add(new TableSizePoint(rows, latency));
        }
        IncrementalPullMeasure.Latency small = series.getFirst().latency();
        IncrementalPullMeasure.Latency large = series.getLast().latency();
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

    private static Figure pullingClients(
            Suite suite, BenchDatabase database, BenchServer server, String state, String target, PrintStream log)
            throws Exception {
        PullingClientsMeasure.Result result = PullingClientsMeasure.measure(
                database, server, suite.pullingClients(), suite.warmUp(), suite.measured());
        log.printf("bench: %d clients pulling in a loop, %s: %s%n", suite.pullingClients(), state, result);
        return new Figure(
                String.format(
                        Locale.ROOT,
                        "%,d clients pulling in a loop, %s: p50 %.1f ms, p99 %.1f ms, %d answers not 200%s",
                        result.clients(),
                        state,
                        result.p50Millis(),
                        result.p99Millis(),
                        result.errors(),
                        result.errors() == 0 ? "" : " " + result.errorsByStatus()),
                BenchDatabase.Durability.FSYNC_OFF.label,
                result.pullsPerSecond(),
                "pulls/s",
                Double.NaN,
                "",
                target);
    }

    /**
     * Pushes for {@link Suite#serverWarmUp()} before the push measures, half of it single mutations and half pushes of
     * 100, uncounted: a fresh server runs its push path interpreted at first, and the JIT compiles Jetty's, Jersey's,
     * JDBI's and the engine's code over tens of seconds, while the raw JDBC baseline needs little of it (bench/README.md,
     * "Method").
     */
    private static void warmUp(Suite suite, BenchServer server, SyncHttp http, PrintStream log) throws Exception {
        Duration half = suite.serverWarmUp().dividedBy(2);
        double single =
                Load.perSecond(1, Duration.ZERO, half, i -> PushMeasures.pushingClient(server, http, "alice", 1));
        double batched =
                Load.perSecond(1, Duration.ZERO, half, i -> PushMeasures.pushingClient(server, http, "alice", 100));
        log.printf(
                Locale.ROOT,
                "bench: server warm-up, %d s: %.0f single-mutation pushes/s, %.0f pushes of 100/s (not figures)%n",
                suite.serverWarmUp().toSeconds(),
                single,
                batched);
    }

    private static Figure push(
            Suite suite, BenchDatabase database, BenchServer server, SyncHttp http, int clients, PrintStream log)
            throws Exception {
        Load.Operations raw = i -> PushMeasures.rawInserts(database, "raw");
        Load.Operations pushes = i -> PushMeasures.pushingClient(server, http, "alice", 1);
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

    /**
     * The initial sync, twice: the client asking for the next page as soon as a response's head has arrived (as the
     * TypeScript client does), then one page at a time; each against the mean of a JDBC read
     * of the same rows before and after both.
     */
    private static List<Figure> initialSync(
            Suite suite, BenchDatabase database, BenchServer server, SyncHttp http, PrintStream log) throws Exception {
        InitialSyncMeasure.fill(database, suite.syncRows());
        int rows = suite.syncRows();
        // baseline, subjects, baseline, each as whole passes after a warm-up (the first pass of each is kept for the
        // log: a cold server's figure)
        InitialSyncMeasure.Rate before = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.jdbcRead(database, rows));
        InitialSyncMeasure.Rate ahead = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.pull(server, http, rows, true));
        InitialSyncMeasure.Rate serial = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.pull(server, http, rows, false));
        InitialSyncMeasure.Rate after = InitialSyncMeasure.rate(
                suite.warmUp(), suite.measured(), () -> InitialSyncMeasure.jdbcRead(database, rows));
        double baseline = (before.perSecond() + after.perSecond()) / 2;
        String measure = "initial sync of a " + rows + "-row bucket over HTTP, limit " + InitialSyncMeasure.LIMIT;
        String target = "≥ 200k rows/s and ≥ 0.30 of a plain JDBC read of the rows";
        List<Figure> figures = List.of(
                new Figure(
                        measure + ", the next page asked for on a response's head",
                        database.durability.label,
                        ahead.perSecond(),
                        "rows/s",
                        baseline,
                        "rows/s (JDBC read)",
                        target),
                new Figure(
                        measure + ", one page at a time",
                        database.durability.label,
                        serial.perSecond(),
                        "rows/s",
                        baseline,
                        "rows/s (JDBC read)",
                        "(the same, for comparison)"));
        log.printf(
                "bench: initial sync: %d and %d measured passes; first passes (cold): sync %.0f then %.0f rows/s, JDBC"
                        + " %.0f then %.0f rows/s%n",
                ahead.passes(),
                serial.passes(),
                ahead.firstPass(),
                serial.firstPass(),
                before.firstPass(),
                after.firstPass());
        figures.forEach(figure -> log.printf("bench: %s%n", format(figure)));
        return figures;
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

    static String report(Suite suite, List<Figure> figures, List<TableSizePoint> tableSeries, String postgres) {
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
                    "| %s | %s | %s %s | %s | %s | %s |%n",
                    f.measure(),
                    f.configuration(),
                    String.format(Locale.ROOT, f.value() < 100 ? "%,.1f" : "%,.0f", f.value()),
                    f.unit(),
                    Double.isNaN(f.baseline())
                            ? ""
                            : String.format(Locale.ROOT, "%,.0f %s", f.baseline(), f.baselineUnit()),
                    Double.isNaN(f.baseline()) ? "" : String.format(Locale.ROOT, "%.2f", f.ratio()),
                    f.target()));
        }
        if (!tableSeries.isEmpty()) {
            double first = tableSeries.getFirst().latency().medianMillis();
            md.append(String.format(
                    Locale.ROOT,
                    "%nPull cost vs table size: the incremental pull of %d changes, %d samples per size (%s.png)%n%n",
                    IncrementalPullMeasure.CHANGES,
                    tableSeries.getFirst().latency().samples(),
                    PULL_COST_VS_TABLE_SIZE));
            md.append("| rows in the table | median | 90th percentile | median / median at the smallest table |\n");
            md.append("| ---: | ---: | ---: | ---: |\n");
            for (TableSizePoint point : tableSeries) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %,d | %.1f ms | %.1f ms | %.2f |%n",
                        point.tableRows(),
                        point.latency().medianMillis(),
                        point.latency().p90Millis(),
                        point.latency().medianMillis() / first));
            }
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
