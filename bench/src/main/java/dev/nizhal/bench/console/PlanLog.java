package dev.nizhal.bench.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * The plans PostgreSQL ran for each console call, as auto_explain logged them (with ANALYZE and BUFFERS) in the
 * server's JSON log: each call runs several times behind a marker statement, and the last run's plans are kept, so
 * they are the plans a warm connection uses (after five executions a prepared statement may switch to a generic
 * plan).
 */
final class PlanLog {
    /** Run on each connection of the pool whose plans are logged (the setting is a superuser's, as the bench is). */
    static final String EXPLAIN_SESSION = "set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on;"
            + " set auto_explain.log_buffers = on; set auto_explain.log_timing = on";

    private static final String MARKER = "nizhal-bench-marker";
    private static final Pattern SCAN = Pattern.compile(
            "(Parallel Seq Scan|Seq Scan|Index Only Scan Backward|Index Only Scan|Index Scan Backward|Index Scan"
                    + "|Bitmap Index Scan)(?: using (\\S+))? on (\\S+).*?\\(actual time=[^ ]+ rows=([0-9.]+)"
                    + "(?: width=\\d+)?\\s*loops=(\\d+)\\)");
    private static final Pattern BUFFERS = Pattern.compile("Buffers: shared (?:hit=(\\d+))?\\s*(?:read=(\\d+))?");

    private final Path log;
    private final Map<String, List<String>> plans;

    private PlanLog(Path log, Map<String, List<String>> plans) {
        this.log = log;
        this.plans = plans;
    }

    /** Runs each call {@code repeats} times on the explained pool and reads the last run's plans from the log. */
    static PlanLog record(Jdbi explained, Path logs, List<ConsoleAtScale.Call> calls, int repeats)
            throws IOException, InterruptedException {
        for (ConsoleAtScale.Call call : calls) {
            for (int run = 0; run < repeats; run++) {
                mark(explained, call.asks(), run);
                call.read().get();
            }
        }
        mark(explained, "end", 0);
        Path log = logs.resolve("postgresql.json");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!(Files.exists(log) && Files.readString(log).contains("'end' as call"))) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("auto_explain wrote no plans to " + log);
            }
            Thread.sleep(50);
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> plans = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(log)) {
            JsonNode entry = json.readTree(line);
            String message = entry.path("message").asText("");
            if (!message.startsWith("duration:") || !message.contains("Query Text:")) {
                continue;
            }
            Matcher marker = Pattern.compile("'" + MARKER + "' as m, '(.*)' as call, (\\d+) as run")
                    .matcher(message);
            if (marker.find()) {
                current = Integer.parseInt(marker.group(2)) == repeats - 1
                        ? marker.group(1).replace("''", "'")
                        : null;
                continue;
            }
            if (current != null) {
                plans.computeIfAbsent(current, k -> new ArrayList<>()).add(message);
            }
        }
        return new PlanLog(log, plans);
    }

    private static void mark(Jdbi jdbi, String asks, int run) {
        jdbi.useHandle(h -> h.createQuery(
                        "select '" + MARKER + "' as m, '" + asks.replace("'", "''") + "' as call, " + run + " as run")
                .mapToMap()
                .list());
    }

    /** The scans of tables (not the catalog's) in the call's statements: kind, index, table, rows x loops. */
    String summary(String asks) {
        List<String> statements = plans.getOrDefault(asks, List.of());
        Set<String> scans = new LinkedHashSet<>();
        long buffers = 0;
        for (String plan : statements) {
            Matcher scan = SCAN.matcher(plan);
            while (scan.find()) {
                String table = scan.group(3);
                if (table.startsWith("pg_") || table.startsWith("information_schema")) {
                    continue;
                }
                String loops = scan.group(5).equals("1") ? "" : " x" + scan.group(5);
                scans.add(scan.group(1) + (scan.group(2) == null ? "" : " " + scan.group(2)) + " on " + table + " ("
                        + scan.group(4) + " rows" + loops + ")");
            }
            Matcher b = BUFFERS.matcher(plan);
            if (b.find()) {
                buffers += (b.group(1) == null ? 0 : Long.parseLong(b.group(1)))
                        + (b.group(2) == null ? 0 : Long.parseLong(b.group(2)));
            }
        }
        return statements.size() + " statements, " + buffers + " buffers; "
                + (scans.isEmpty() ? "catalog only" : String.join("; ", scans));
    }

    String fullText() {
        StringBuilder text = new StringBuilder();
        plans.forEach((asks, statements) -> {
            text.append("=== ").append(asks).append(" ===\n");
            statements.forEach(s -> text.append(s).append("\n\n"));
        });
        return text.toString();
    }

    Path where() {
        return log;
    }
}
