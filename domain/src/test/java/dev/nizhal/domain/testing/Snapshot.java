package dev.nizhal.domain.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares text with a committed snapshot file under {@code src/test/resources/snapshots}. A missing snapshot fails:
 * the actual text is written under {@code target/snapshots-actual} so a developer can review it and commit it.
 */
public final class Snapshot {
    private static final Path COMMITTED = Path.of("src", "test", "resources", "snapshots");
    private static final Path ACTUAL = Path.of("target", "snapshots-actual");

    private Snapshot() {}

    public static void assertMatches(String name, String actual) {
        Path committed = COMMITTED.resolve(name);
        Path written = ACTUAL.resolve(name);
        try {
            if (!Files.exists(committed)) {
                write(written, actual);
                fail("no committed snapshot " + committed + "; review " + written + " and commit it there");
            }
            String expected = Files.readString(committed, StandardCharsets.UTF_8);
            if (!expected.equals(actual)) {
                write(written, actual);
            }
            assertThat(actual)
                    .as("snapshot %s (actual written to %s)", committed, written)
                    .isEqualTo(expected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path path, String text) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, text, StandardCharsets.UTF_8);
    }
}
