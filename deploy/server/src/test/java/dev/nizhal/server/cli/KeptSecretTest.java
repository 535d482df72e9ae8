package dev.nizhal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptSecretTest {
    @TempDir
    Path folder;

    @Test
    void aSecretIsMadeOnceReadableByItsOwnerOnlyAndReadAgainAfter() throws Exception {
        Path file = folder.resolve("data/cursor.key");

        byte[] first = KeptSecret.in(file);
        byte[] again = KeptSecret.in(file);

        assertThat(first).hasSize(32).isEqualTo(again);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(Files.list(file.getParent()).map(p -> p.getFileName().toString()))
                .as("no temporary file left behind")
                .containsExactly("cursor.key");
    }

    @Test
    void aKeyFileOthersCouldReadIsTightened() throws Exception {
        Path file = folder.resolve("jwt.secret");
        KeptSecret.in(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        KeptSecret.in(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void processesStartingAtOnceAllTakeTheSameKey() throws Exception {
        Path file = folder.resolve("race/cursor.key");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> keys = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                keys.add(pool.submit((Callable<byte[]>) () -> KeptSecret.in(file)));
            }
            byte[] first = keys.getFirst().get();
            for (Future<byte[]> key : keys) {
                assertThat(Arrays.equals(key.get(), first)).isTrue();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aFileWithoutAUsableKeySaysSo() throws Exception {
        Path file = folder.resolve("cursor.key");
        Files.writeString(file, "");

        assertThatThrownBy(() -> KeptSecret.in(file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not hold a usable key");
    }
}
