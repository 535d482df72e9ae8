package dev.nizhal.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A probe for A/B comparisons of the engine, where the suite's figures are too noisy to tell two versions apart:
 * {@code Probe push|drain|pull|sync|sync-serial [rounds] [per round]} runs one path on a fresh embedded PostgreSQL (fsync off)
 * and server, round after round in one JVM, and prints each round's time and the JVM's CPU time per operation (the
 * server and this client together). The last rounds are the warmed figures; the first show the JIT at work. Compare
 * versions by running their jars alternately, each in a JVM of its own (bench/README.md, "Probes").
 *
 * <ul>
 *   <li>{@code push}: single-mutation pushes of one client (default 8 rounds of 3,000).
 *   <li>{@code drain}: pushes of 100 mutations of one client (default 12 rounds of 10,000 mutations).
 *   <li>{@code pull}: pulls of one client that is up to date (default 8 rounds of 3,000), with 10,000 other notes.
 *   <li>{@code sync}: a fresh client's initial sync of a bucket (default 40 rounds of 200,000 rows; the times are per
 *       page of 5,000), then, untimed, a JDBC read of the same rows; each round prints the ratio of the two. The
 *       client asks for the next page as soon as a response's head has arrived ({@link InitialSyncMeasure#pull}).
 *   <li>{@code sync-serial}: the same, the client asking for a page once it has read the one before.
 * </ul>
 */
public final class Probe {
    private Probe() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: Probe push|drain|pull|sync|sync-serial [rounds] [operations per round]");
            System.exit(2);
        }
        String path = args[0];
        int[] defaults = switch (path) {
            case "push", "pull" -> new int[] {8, 3_000};
            case "drain" -> new int[] {12, 10_000};
            case "sync", "sync-serial" -> new int[] {40, 200_000};
            default ->
                throw new IllegalArgumentException("no probe '" + path + "': push, drain, pull, sync or sync-serial");
        };
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : defaults[0];
        int per = args.length > 2 ? Integer.parseInt(args[2]) : defaults[1];
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (BenchDatabase database = BenchDatabase.start(BenchDatabase.Durability.FSYNC_OFF, settings());
                BenchServer server = BenchServer.start(database);
                SyncHttp http = new SyncHttp()) {
            Round round = switch (path) {
                case "push" -> operations(PushMeasures.pushingClient(server, http, "alice", 1), per, "push");
                case "drain" ->
                    operations(PushMeasures.pushingClient(server, http, "alice", 100), per / 100, "push of 100");
                case "pull" -> operations(PullingClientsMeasure.upToDatePulls(database, server, http), per, "pull");
                default -> sync(database, server, http, per, path.equals("sync"));
            };
            for (int r = 0; r < rounds; r++) {
                long cpu = os.getProcessCpuTime();
                long start = System.nanoTime();
                round.run();
                long nanos = System.nanoTime() - start;
                cpu = os.getProcessCpuTime() - cpu;
                String extra = round.after(nanos);
                System.out.printf(
                        Locale.ROOT,
                        "probe %s, round %d: %.3f ms a %s, JVM CPU %.3f ms a %s%s%n",
                        path,
                        r,
                        nanos / 1e6 / round.count(),
                        round.unit(),
                        cpu / 1e6 / round.count(),
                        round.unit(),
                        extra);
            }
        }
    }

    /**
     * PostgreSQL settings from {@code -Dprobe.settings=name=value,name=value} (e.g. {@code
     * shared_preload_libraries=auto_explain,...}: values hold no comma), none by default.
     */
    private static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        String given = System.getProperty("probe.settings", "");
        for (String setting : given.split(",")) {
            if (setting.isBlank()) {
                continue;
            }
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("probe.settings: '" + setting + "' is not name=value");
            }
            settings.put(
                    setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
        }
        return settings;
    }

    /** One round: its operations (timed), then what to add to its line (not timed). */
    private interface Round {
        void run() throws Exception;

        default String after(long nanos) throws Exception {
            return "";
        }

        int count();

        String unit();
    }

    private static Round operations(Load.Operation operation, int count, String unit) {
        return new Round() {
            @Override
            public void run() throws Exception {
                for (int i = 0; i < count; i++) {
                    operation.run();
                }
            }

            @Override
            public int count() {
                return count;
            }

            @Override
            public String unit() {
                return unit;
            }
        };
    }

    private static Round sync(BenchDatabase database, BenchServer server, SyncHttp http, int rows, boolean ahead)
            throws Exception {
        InitialSyncMeasure.fill(database, rows);
        int pages = (rows + InitialSyncMeasure.LIMIT - 1) / InitialSyncMeasure.LIMIT;
        return new Round() {
            @Override
            public void run() throws Exception {
                InitialSyncMeasure.pull(server, http, rows, ahead);
            }

            @Override
            public String after(long sync) throws Exception {
                long start = System.nanoTime();
                InitialSyncMeasure.jdbcRead(database, rows);
                long jdbc = System.nanoTime() - start;
                return String.format(
                        Locale.ROOT,
                        " (%,.0f rows/s; then a JDBC read of the rows, not in the times: %,.0f rows/s; ratio %.3f)",
                        rows / (sync / 1e9),
                        rows / (jdbc / 1e9),
                        (double) jdbc / sync);
            }

            @Override
            public int count() {
                return pages;
            }

            @Override
            public String unit() {
                return "page";
            }
        };
    }
}
