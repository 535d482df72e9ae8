package dev.nizhal.server.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
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
                Files.createDirectories(file.toAbsolutePath().getParent());
                write(file, Base64.getEncoder().encodeToString(secret));
            }
            return Base64Key.parse(Files.readString(file)).bytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep a secret in " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + " does not hold a usable key: " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String content) throws IOException {
        try {
            // readable by its owner only, where the file system has POSIX permissions
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            return; // another process made it first: use theirs
        }
        Files.writeString(file, content);
    }
}
