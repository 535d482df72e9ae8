package dev.nizhal.bench;

import dev.nizhal.bench.plot.LinePlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The fan-out's plot, poke latency against connected sockets (PNG), and its figures beside it (CSV). */
final class FanoutPlot {
    static final String PNG = "poke-latency-vs-sockets.png";
    static final String CSV = "poke-latency-vs-sockets.csv";

    private FanoutPlot() {}

    static void write(List<FanoutMeasure.Step> steps, Path folder) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("push over HTTP → poke, p50", points(steps, s -> s.push().p50()));
        series.put("push over HTTP → poke, p99", points(steps, s -> s.push().p99()));
        series.put(
                "SQL insert → poke (poller, 200 ms), p50",
                points(steps, s -> s.sql().p50()));
        series.put(
                "SQL insert → poke (poller, 200 ms), p99",
                points(steps, s -> s.sql().p99()));
        LinePlot.write(
                folder.resolve(PNG),
                "Poke latency vs connected sockets (one server, -Xmx" + Bench.FANOUT_SERVER_HEAP + ")",
                "connected WebSockets",
                "write → poke (ms)",
                series,
                true);
        StringBuilder csv = new StringBuilder("sockets,open,push_samples,push_p50_ms,push_p99_ms,push_max_ms,"
                + "push_missed,push_answered_p50_ms,sql_samples,sql_p50_ms,sql_p99_ms,sql_max_ms,sql_missed,heap_after_full_gc_mb,"
                + "resident_mb,failed_handshakes,closed,socket_errors\n");
        for (FanoutMeasure.Step s : steps) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%d,%d,%d,%.2f,%.2f,%.2f,%d,%.2f,%d,%.2f,%.2f,%.2f,%d,%.1f,%.1f,%d,%d,%d%n",
                    s.sockets(),
                    s.open(),
                    s.push().samples(),
                    s.push().p50(),
                    s.push().p99(),
                    s.push().max(),
                    s.push().missed(),
                    s.push().writeP50(),
                    s.sql().samples(),
                    s.sql().p50(),
                    s.sql().p99(),
                    s.sql().max(),
                    s.sql().missed(),
                    s.heapBytes() / 1e6,
                    s.residentBytes() / 1e6,
                    s.failedHandshakes(),
                    s.closed(),
                    s.socketErrors()));
        }
        Files.writeString(folder.resolve(CSV), csv, StandardCharsets.UTF_8);
    }

    private static List<double[]> points(List<FanoutMeasure.Step> steps, ToDoubleFunction<FanoutMeasure.Step> y) {
        List<double[]> points = new ArrayList<>();
        for (FanoutMeasure.Step step : steps) {
            double value = y.applyAsDouble(step);
            if (!Double.isNaN(value)) {
                points.add(new double[] {step.sockets(), value});
            }
        }
        return points;
    }
}
