package dev.nizhal.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;

/** An embedded PostgreSQL of its own for one configuration of a run, in a fresh temporary folder. */
final class BenchDatabase implements AutoCloseable {

    /** How PostgreSQL makes a commit durable. */
    enum Durability {
        /** {@code fsync} off, {@code synchronous_commit} on: the measuring setting (CPU cost, not the disk). */
        FSYNC_OFF("fsync off"),
        /** {@code fsync} and {@code synchronous_commit} on: PostgreSQL's own defaults, as in production. */
        PRODUCTION_DEFAULT("production-default: fsync on");

        final String label;

        Durability(String label) {
            this.label = label;
        }
    }

    private final EmbeddedPostgres postgres;
    final Durability durability;

    private BenchDatabase(EmbeddedPostgres postgres, Durability durability) {
        this.postgres = postgres;
        this.durability = durability;
    }

    static BenchDatabase start(Durability durability) {
        return start(durability, Map.of());
    }

    /** With more server settings, e.g. to log every statement while profiling. */
    static BenchDatabase start(Durability durability, Map<String, String> settings) {
        boolean fsync = durability == Durability.PRODUCTION_DEFAULT;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", fsync ? "on" : "off")
                    .setServerConfig("full_page_writes", fsync ? "on" : "off")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("shared_buffers", "256MB");
            settings.forEach(builder::setServerConfig);
            return new BenchDatabase(builder.start(), durability);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    /** A connection of its own (the raw JDBC baselines), not from the server's pool. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
