package dev.nizhal.bench.console;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.demo.DemoApp;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.InspectSyncState.ClientQuery;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalPosition;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The admin console at scale (bench/README.md, "Admin console at scale"): seeds an embedded PostgreSQL to 100k journal
 * entries, 10k clients with pull records and a 1M-row change log, then calls every {@link InspectSyncState} method
 * each console view uses, through the real engine, warm, and prints each call's median time and the plans
 * PostgreSQL ran for it (auto_explain, with ANALYZE and BUFFERS): which index each read used.
 *
 * <p>Run: {@code ./build -q -pl bench -am package -DskipTests -Pconsole-scale}. Optional arguments: the runs measured
 * per call (default 15) and a folder for the full plans (default {@code bench/target/console-scale}).
 */
public final class ConsoleAtScale {
    static final int WARMUP = 8;
    static final int POOL = 4;

    private ConsoleAtScale() {}

    /** One console read: the view that makes it, what it asks, and the call. */
    record Call(String view, String asks, Supplier<?> read) {}

    record Timing(Call call, double medianMs, double maxMs) {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Path out = Path.of(args.length > 1 ? args[1] : "target/console-scale").toAbsolutePath();
        Files.createDirectories(out);
        Path logs = Files.createDirectories(out.resolve("pg-log"));
        try (var files = Files.list(logs)) {
            for (Path old : files.toList()) {
                Files.delete(old);
            }
        }
        ConsoleSeed seed = ConsoleSeed.AT_SCALE;
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("shared_preload_libraries", "auto_explain")
                .setServerConfig("logging_collector", "on")
                .setServerConfig("log_destination", "jsonlog")
                .setServerConfig("log_directory", logs.toString())
                .setServerConfig("log_filename", "postgresql.log")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("work_mem", "16MB")
                .start()) {
            String url = postgres.getJdbcUrl("postgres", "postgres");
            try (HikariDataSource pool = pool(url, null)) {
                Jdbi jdbi = Jdbi.create(pool);
                long started = System.nanoTime();
                DemoApp.createSchema(pool);
                seed.appRows(jdbi);
                try (Nizhal nizhal = engine(pool)) {
                    nizhal.migrate();
                    seed.syncState(jdbi);
                    System.out.printf("seeded in %.0f s: %s%n", (System.nanoTime() - started) / 1e9, sizes(jdbi));
                    List<Call> calls = calls(nizhal.inspect());
                    String loadBefore = load();
                    List<Timing> timings = new ArrayList<>();
                    for (Call call : calls) {
                        timings.add(time(call, runs));
                    }
                    System.out.printf(
                            "%d cores; load average (1 min) %s before the timed runs, %s after%n",
                            Runtime.getRuntime().availableProcessors(), loadBefore, load());
                    try (HikariDataSource explained = pool(url, PlanLog.EXPLAIN_SESSION);
                            Nizhal explaining = engine(explained)) {
                        List<Call> again = calls(explaining.inspect());
                        PlanLog plans = PlanLog.record(Jdbi.create(explained), logs, again, WARMUP);
                        Files.writeString(out.resolve("plans.txt"), plans.fullText());
                        print(timings, plans, runs, sizes(jdbi), version(jdbi));
                    }
                }
            }
        }
    }

    static Nizhal engine(HikariDataSource pool) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        return Nizhal.builder()
                .dataSource(pool)
                .syncRules(DemoApp.rules())
                .mutators(DemoApp.mutators())
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(key)
                .operatorConsole(true)
                .build();
    }

    private static HikariDataSource pool(String url, String initSql) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(POOL);
        if (initSql != null) {
            config.setConnectionInitSql(initSql);
        }
        return new HikariDataSource(config);
    }

    /** What each view asks, as the views ask it (page sizes, filters, the "older" and "next rows" pages). */
    static List<Call> calls(InspectSyncState inspect) {
        List<JournalEntry> newest = inspect.journal(JournalQuery.newest(100));
        JournalPosition older = JournalPosition.of(newest.getLast());
        Instant lastHour = Instant.now().minus(Duration.ofHours(1));
        Instant weekAgo = Instant.now().minus(Duration.ofDays(7));
        // where paging back reaches three weeks ago: before every entry of that time (no client id is empty)
        JournalPosition threeWeeksBack =
                new JournalPosition(Instant.now().minus(Duration.ofDays(21)), "", Long.MAX_VALUE);
        JournalEntry rejected = inspect.journal(new JournalQuery(null, null, null, "rejected", null, null, 1))
                .getFirst();
        String busyClient = ConsoleSeed.clientId(42);
        String notes = "myNotes[\"user-17\"]";
        String list = "sharedLists[\"list-119\"]";
        return List.of(
                new Call("Overview", "overview()", inspect::overview),
                new Call(
                        "Clients",
                        "clients by lag, first page (50)",
                        () -> inspect.clients(new ClientQuery(null, 0, 50))),
                new Call(
                        "Clients",
                        "clients by lag, page at offset 5,000",
                        () -> inspect.clients(new ClientQuery(null, 5_000, 50))),
                new Call("Clients", "clients of one actor", () -> inspect.clients(new ClientQuery("user-17", 0, 50))),
                new Call("Client", "client detail (rules, pulls, pushes)", () -> inspect.client(busyClient)),
                new Call("Journal", "newest 100", () -> inspect.journal(JournalQuery.newest(100))),
                new Call(
                        "Journal",
                        "older entries (page 2)",
                        () -> inspect.journal(new JournalQuery(null, null, null, null, null, older, 100))),
                new Call(
                        "Journal",
                        "older entries, 3 weeks back",
                        () -> inspect.journal(new JournalQuery(null, null, null, null, null, threeWeeksBack, 100))),
                new Call(
                        "Journal",
                        "filter: client",
                        () -> inspect.journal(new JournalQuery(busyClient, null, null, null, null, null, 100))),
                new Call(
                        "Journal",
                        "filter: actor",
                        () -> inspect.journal(new JournalQuery(null, "user-17", null, null, null, null, 100))),
                new Call(
                        "Journal",
                        "filter: mutator",
                        () -> inspect.journal(new JournalQuery(null, null, "toggleTodo", null, null, null, 100))),
                new Call(
                        "Journal",
                        "filter: status rejected",
                        () -> inspect.journal(new JournalQuery(null, null, null, "rejected", null, null, 100))),
                new Call(
                        "Journal",
                        "filter: status applied",
                        () -> inspect.journal(new JournalQuery(null, null, null, "applied", null, null, 100))),
                new Call(
                        "Journal",
                        "filter: from (last hour)",
                        () -> inspect.journal(new JournalQuery(null, null, null, null, lastHour, null, 100))),
                new Call(
                        "Journal",
                        "filter: actor + rejected + from a week ago",
                        () -> inspect.journal(new JournalQuery(null, "user-17", null, "rejected", weekAgo, null, 100))),
                new Call(
                        "Journal",
                        "filter: mutator + rejected, 3 weeks back",
                        () -> inspect.journal(
                                new JournalQuery(null, null, "addNote", "rejected", null, threeWeeksBack, 100))),
                new Call(
                        "Journal",
                        "journal entry",
                        () -> inspect.journalEntry(rejected.clientId(), rejected.mutationId())),
                new Call(
                        "Buckets",
                        "search myNotes ownerId=user-17",
                        () -> inspect.buckets("myNotes", Map.of("ownerId", "user-17"))),
                new Call(
                        "Buckets",
                        "search sharedLists listId=list-119",
                        () -> inspect.buckets("sharedLists", Map.of("listId", "list-119"))),
                new Call("Buckets", "bucket page (notes, first 100)", () -> inspect.bucket(notes, "notes", null, 100)),
                new Call(
                        "Buckets",
                        "bucket page (notes, next rows)",
                        () -> inspect.bucket(notes, "notes", "n-8017", 100)),
                new Call("Buckets", "bucket page (todos of a list)", () -> inspect.bucket(list, "todos", null, 100)),
                new Call("Rules", "rules()", inspect::rules));
    }

    static Timing time(Call call, int runs) {
        for (int i = 0; i < WARMUP; i++) {
            call.read().get();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            call.read().get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return new Timing(call, ms[runs / 2], ms[runs - 1]);
    }

    /** The machine's load (other processes share it): the 1-minute load average, where Linux tells it. */
    static String load() throws IOException {
        Path loadavg = Path.of("/proc/loadavg");
        return Files.isReadable(loadavg) ? Files.readString(loadavg).split(" ")[0] : "unknown";
    }

    static String sizes(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("select format('%s journal entries, %s clients (%s pull records,"
                        + " %s pulls logged), %s change-log rows', (select count(*) from nizhal.mutation_journal),"
                        + " (select count(*) from nizhal.clients), (select count(*) from nizhal.client_pulls),"
                        + " (select count(*) from nizhal.pull_log), (select count(*) from nizhal.change_log))")
                .mapTo(String.class)
                .one());
    }

    static String version(Jdbi jdbi) {
        return jdbi.withHandle(
                h -> h.createQuery("show server_version").mapTo(String.class).one());
    }

    static void print(List<Timing> timings, PlanLog plans, int runs, String sizes, String version) throws IOException {
        StringBuilder table = new StringBuilder();
        table.append("PostgreSQL ").append(version).append("; ").append(sizes).append("\n");
        table.append("median of ")
                .append(runs)
                .append(" warm runs (after ")
                .append(WARMUP)
                .append(")\n\n");
        table.append("| view | call | median ms | max ms | plan (scans of nizhal tables) |\n");
        table.append("| --- | --- | ---: | ---: | --- |\n");
        for (Timing t : timings) {
            table.append(String.format(
                    "| %s | %s | %.1f | %.1f | %s |%n",
                    t.call().view(),
                    t.call().asks(),
                    t.medianMs(),
                    t.maxMs(),
                    plans.summary(t.call().asks())));
        }
        System.out.println(table);
        System.out.println("full plans: " + plans.where());
    }
}
