package dev.nizhal.server.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** A 32-byte random secret kept as base64 in a file of the data folder, generated on first use. */
final class KeptSecret {
    private KeptSecret() {}

    /**
     * @throws IllegalStateException when the file cannot be read or written, or does not hold base64 of 32+ bytes
     */
    static byte[] in(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] secret = new byte[Base64Key.MIN_BYTES];
                new SecureRandom().nextBytes(secret);
                write(file, Base64.getEncoder().encodeToString(secret));
            }
            ownerOnly(file);
            return Base64Key.parse(Files.readString(file)).bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a secret in " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " does not hold a usable key: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a temporary file readable by its owner only, then moves it into place in one step: a crash leaves no
     * empty key behind, and of two processes starting at once, the second one takes the first one's key.
     */
    private static void write(Path file, String content) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temporary = Files.createTempFile(folder, file.getFileName() + ".", ".tmp");
        try {
            ownerOnly(temporary);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
                channel.force(true);
            }
            try {
                // a hard link appears whole and never replaces a file (a rename may)
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException e) {
                // another process made it first: use theirs
            } catch (UnsupportedOperationException e) {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Readable and writable by its owner only, where the file system has POSIX permissions. */
    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // no POSIX permissions here (Windows): the folder's access rules apply
        }
    }
}
