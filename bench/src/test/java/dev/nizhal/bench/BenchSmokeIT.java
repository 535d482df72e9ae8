package dev.nizhal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The smoke run of the benchmarks: tiny sizes, so the build proves that every measure still runs end to end and
 * reports a figure. It asserts nothing about speed (the figures of a build machine under load say nothing).
 */
class BenchSmokeIT {

    @Test
    void theSmokeSuiteReportsEveryFigure() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String report = Bench.run(Bench.Suite.named("smoke"), new PrintStream(log, true, StandardCharsets.UTF_8));

        System.out.println(report);
        assertThat(report)
                .contains("| single-mutation push over HTTP, 1 client | fsync off |")
                .contains("| single-mutation push over HTTP, 8 concurrent clients | fsync off |")
                .contains("| outbox drain, 1 client, 300 mutations in batches of 100 | fsync off |")
                .contains("| initial sync of a 2000-row bucket over HTTP, limit 5000 | fsync off |")
                .contains("| 20 clients pulling in a loop: p50 ")
                .contains(", 0 answers not 200 | fsync off |")
                .contains("| incremental pull of 100 changes (median of 3 clients), table at 5,000 rows | fsync off |")
                .containsPattern("\\| incremental pull of 100 changes \\(median of 3 clients\\), [0-9,]+ other buckets'"
                        + " change-log rows in its window \\| fsync off \\|");
        assertThat(report.lines()
                        .filter(line ->
                                line.startsWith("| ") && !line.startsWith("| measure") && !line.startsWith("| ---")))
                .hasSize(7)
                .allSatisfy(line -> assertThat(line).doesNotContain("NaN").doesNotContain("Infinity"));
    }
}
