package dev.nizhal.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JMH run's results as the report's table: {@code JmhReport RESULT.json [OUT.md]} reads JMH's JSON result file and
 * prints each benchmark's score with its error and, for every method that is not a baseline, its time as a ratio to
 * each {@code baseline*} method of the same class (1.00 = as fast as the baseline; above 1, slower).
 */
public final class JmhReport {
    private JmhReport() {}

    /** One benchmark's result: its class's simple name, its method, score, error (99.9 %) and unit. */
    record Result(String benchmarkClass, String method, double score, double error, String unit) {
        boolean baseline() {
            return method.startsWith("baseline");
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("usage: JmhReport RESULT.json [OUT.md]");
        }
        String table = table(read(Path.of(args[0])));
        System.out.println(table);
        if (args.length == 2) {
            Files.writeString(Path.of(args[1]), table, StandardCharsets.UTF_8);
        }
    }

    static List<Result> read(Path json) throws IOException {
        List<Result> results = new ArrayList<>();
        for (JsonNode run : new ObjectMapper().readTree(json.toFile())) {
            String name = run.get("benchmark").asText();
            String owner = name.substring(0, name.lastIndexOf('.'));
            JsonNode metric = run.get("primaryMetric");
            results.add(new Result(
                    owner.substring(owner.lastIndexOf('.') + 1),
                    name.substring(name.lastIndexOf('.') + 1),
                    metric.get("score").asDouble(),
                    metric.get("scoreError").asDouble(),
                    metric.get("scoreUnit").asText()));
        }
        return results;
    }

    static String table(List<Result> results) {
        Map<String, List<Result>> byClass = new LinkedHashMap<>();
        for (Result r : results) {
            byClass.computeIfAbsent(r.benchmarkClass(), c -> new ArrayList<>()).add(r);
        }
        StringBuilder md = new StringBuilder();
        md.append("| benchmark | method | score ± error (99.9 %) | ratio to the baseline (time) |\n");
        md.append("| --- | --- | --- | --- |\n");
        byClass.forEach((benchmarkClass, runs) -> {
            List<Result> baselines = runs.stream().filter(Result::baseline).toList();
            for (Result r : runs) {
                List<String> ratios = new ArrayList<>();
                if (!r.baseline()) {
                    for (Result b : baselines) {
                        if (b.unit().equals(r.unit())) {
                            ratios.add(String.format(Locale.ROOT, "%.2f (%s)", r.score() / b.score(), b.method()));
                        }
                    }
                }
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %s ± %s %s | %s |%n",
                        benchmarkClass,
                        r.method(),
                        number(r.score()),
                        number(r.error()),
                        r.unit(),
                        r.baseline() ? "baseline" : String.join(", ", ratios)));
            }
        });
        return md.toString();
    }

    private static String number(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.3g", value);
    }
}
