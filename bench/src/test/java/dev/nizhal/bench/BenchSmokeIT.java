package dev.nizhal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The smoke run of the benchmarks: tiny sizes, so the build proves that every measure still runs end to end and
 * reports a figure, and that the pull cost vs table size series is written (report, CSV, plot). It asserts nothing
 * about speed (the figures of a build machine under load say nothing).
 */
class BenchSmokeIT {

    @Test
    void theSmokeSuiteReportsEveryFigure() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path plots = Path.of("target", "bench-smoke");
        Files.deleteIfExists(plots.resolve(FanoutPlot.PNG));
        Files.deleteIfExists(plots.resolve(FanoutPlot.CSV));
        Files.deleteIfExists(plots.resolve("pull-cost-vs-table-size.png"));
        Files.deleteIfExists(plots.resolve("pull-cost-vs-table-size.csv"));
        String report =
                Bench.run(Bench.Suite.named("smoke"), new PrintStream(log, true, StandardCharsets.UTF_8), plots);

        System.out.println(report);
        assertThat(report)
                .contains("| single-mutation push over HTTP, 1 client | fsync off |")
                .contains("| single-mutation push over HTTP, 8 concurrent clients | fsync off |")
                .contains("| outbox drain, 1 client, 300 mutations in batches of 100 | fsync off |")
                .contains("| initial sync of a 12000-row bucket over HTTP, limit 5000, the next page asked for on a"
                        + " response's head | fsync off |")
                .contains(
                        "| initial sync of a 12000-row bucket over HTTP, limit 5000, one page at a time | fsync off |")
                .containsPattern("\\| 20 clients pulling in a loop, a just-started server: p50 [0-9.]+ ms, p99 [0-9.]+"
                        + " ms, [0-9]+ answers not 200.* \\| fsync off \\|")
                .contains("| 20 clients pulling in a loop, a warmed server: p50 ")
                .containsPattern("a warmed server: p50 [0-9.]+ ms, p99 [0-9.]+ ms, 0 answers not 200 \\| fsync off \\|")
                .contains("| incremental pull of 100 changes (median of 3 clients), table at 5,000 rows | fsync off |")
                .containsPattern("\\| incremental pull of 100 changes \\(median of 3 clients\\), [0-9,]+ other buckets'"
                        + " change-log rows in its window \\| fsync off \\|")
                // the fan-out: every socket opened and stayed open, every write's poke came, the heap was read
                .containsPattern("\\| push over HTTP → poke, 20 sockets \\(20 open\\): p50 [0-9.]+ ms, max [0-9.]+ ms,"
                        + " 20 samples \\(the push answered: p50 [0-9.]+ ms\\); server heap after a full GC [0-9]+ MB;"
                        + " 0 socket problems \\| fsync off;"
                        + " server JVM -Xmx512m \\| [0-9.,]+ ms p99 \\|")
                .containsPattern("\\| push over HTTP → poke, 50 sockets \\(50 open\\): p50 [0-9.]+ ms, max [0-9.]+ ms,"
                        + " 20 samples \\(the push answered: p50 [0-9.]+ ms\\); server heap after a full GC [0-9]+ MB;"
                        + " 0 socket problems \\|")
                .contains("| SQL insert → poke (the change-log poller, every 200 ms), 20 sockets: p50 ")
                .contains("| SQL insert → poke (the change-log poller, every 200 ms), 50 sockets: p50 ")
                .containsPattern("\\| push over HTTP → poke at each of 10 sockets holding its bucket \\(one user\\), 3"
                        + " pushes: per socket p50 [0-9.]+ ms, p99 [0-9.]+ ms; the last socket's poke: max [0-9.]+ ms;"
                        + " 0 socket problems \\|");
        byte[] png = Files.readAllBytes(plots.resolve(FanoutPlot.PNG));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(Files.readAllLines(plots.resolve(FanoutPlot.CSV)))
                .hasSize(3)
                .satisfies(csv -> assertThat(csv.get(1)).startsWith("20,20,20,"))
                .satisfies(csv -> assertThat(csv.get(2)).startsWith("50,50,20,"));
        // the push's round trips, counted from the driver's messages
        assertThat(report)
                .containsPattern(
                        "\\| PostgreSQL round trips of one push of 1 mutation \\| fsync off \\| [0-9.,]+ round trips"
                                + " \\([0-9.]+ per mutation\\) \\|")
                .containsPattern(
                        "\\| PostgreSQL round trips of one push of 100 mutations \\| fsync off \\| [0-9.,]+ round"
                                + " trips \\([0-9.]+ per mutation\\) \\|");
        String[] tables = report.split("\n\n");
        assertThat(tables[1]
                        .lines()
                        .filter(line ->
                                line.startsWith("| ") && !line.startsWith("| measure") && !line.startsWith("| ---")))
                .hasSize(16)
                .allSatisfy(line -> assertThat(line).doesNotContain("NaN").doesNotContain("Infinity"));

        // the pull cost vs table size series: a row per table size in the report, the CSV and the plot
        assertThat(report).contains("Pull cost vs table size: the incremental pull of 100 changes, 3 samples per size");
        List<String> series = tables[3]
                .lines()
                .filter(line -> line.matches("\\| [0-9,]+ \\| .*"))
                .toList();
        assertThat(series)
                .hasSize(3)
                .allSatisfy(line -> assertThat(line).doesNotContain("NaN").doesNotContain("Infinity"));
        assertThat(series.get(0)).startsWith("| 1,000 | ");
        assertThat(series.get(1)).startsWith("| 2,500 | ");
        assertThat(series.get(2)).startsWith("| 5,000 | ");
        assertThat(Files.readAllLines(plots.resolve("pull-cost-vs-table-size.csv")))
                .hasSize(4)
                .first()
                .isEqualTo("table_rows,median_ms,p90_ms,samples");
        BufferedImage plot =
                ImageIO.read(plots.resolve("pull-cost-vs-table-size.png").toFile());
        assertThat(plot.getWidth()).isEqualTo(800);
        assertThat(plot.getHeight()).isEqualTo(500);
    }
}
