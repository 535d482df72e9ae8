package dev.nizhal.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one summary line a fault test prints (and appends to {@code target/faults-summary.txt}): the seed to rerun
 * it, the fault's figures, the end check's figures and the clients' counters.
 */
final class FaultReport {
    private FaultReport() {}

    /** Where the server logs and the summary go. */
    static Path dir() {
        return Path.of("target", "faults");
    }

    static void print(
            String test, long seed, String figures, FaultCheck.Result check, Tally tally, long elapsedMillis) {
        String line = "FAULTS " + test + " mode=" + FaultMode.name() + " seed=" + seed + " elapsedMs=" + elapsedMillis
                + " " + figures + " " + check.summary() + " | " + tally;
        System.out.println(line);
        try {
            Files.createDirectories(dir());
            Files.writeString(
                    dir().resolve("faults-summary.txt"),
                    Instant.now() + " " + line + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("(could not write the summary file: " + e + ")");
        }
    }

    /** min/median/max of {@code millis}, e.g. {@code 120/340/2100}. */
    static String spread(List<Long> millis) {
        if (millis.isEmpty()) {
            return "-";
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return sorted.getFirst() + "/" + sorted.get(sorted.size() / 2) + "/" + sorted.getLast();
    }
}
