package dev.nizhal.server.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The database a command works on, behind a connection pool: the one at {@code --jdbc-url}, or an embedded
 * PostgreSQL whose data lives in {@code <data dir>/postgres} and survives restarts.
 */
final class Database implements AutoCloseable {
    /** How long a request waits for a pooled connection, unless a HikariCP properties file says otherwise. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private static final String HIKARI_FILE = "hikaricp.configurationFile";

    private final HikariDataSource pool;
    private final EmbeddedDatabase embedded;
    private final String description;

    private Database(HikariDataSource pool, EmbeddedDatabase embedded, String description) {
        this.pool = pool;
        this.embedded = embedded;
        this.description = description;
    }

    /**
     * @throws IllegalStateException when the database cannot be reached or the embedded one cannot start
     */
    static Database open(DatabaseOptions options) {
        if (options.jdbcUrl != null) {
            String where = redacted(options.jdbcUrl);
            return new Database(pool(options.jdbcUrl, options.jdbcUser, options.jdbcPassword, where), null, where);
        }
        Path folder = options.dataDirectory().resolve("postgres");
        EmbeddedDatabase embedded = EmbeddedDatabase.start(folder);
        try {
            String where = "the embedded PostgreSQL in " + folder;
            return new Database(pool(embedded.jdbcUrl(), "postgres", null, where), embedded, where);
        } catch (RuntimeException e) {
            embedded.close();
            throw e;
        }
    }

    private static HikariDataSource pool(String url, String user, String password, String where) {
        HikariConfig config = new HikariConfig(); // reads -Dhikaricp.configurationFile when given
        config.setPoolName("nizhal");
        if (System.getProperty(HIKARI_FILE) == null) {
            // while the database is unreachable a request waits this long for a connection, then fails as TRANSIENT
            // (503 with Retry-After) so clients back off, instead of HikariCP's default of 30 s per attempt
            config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        }
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot connect to " + where + ": " + rootMessage(e), e);
        }
    }

    /** The innermost message: the driver's own words ("Connection to localhost:5432 refused ..."). */
    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse("").strip();
    }

    /** A failure's own message, first line only, for the one line the CLI prints. */
    static String firstLine(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            return failure.getClass().getSimpleName()
                    + (failure.getCause() == null ? "" : ": " + rootMessage(failure.getCause()));
        }
        return message.lines().findFirst().orElse("").strip();
    }

    /** The URL without a password it may carry. */
    static String redacted(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    DataSource dataSource() {
        return pool;
    }

    boolean embedded() {
        return embedded != null;
    }

    /** The caller closes this database at the end of the process, after whatever still uses it. */
    void handOverShutdown() {
        if (embedded != null) {
            embedded.handOverShutdown();
        }
    }

    /** Where the data is, for messages. */
    String description() {
        return description;
    }

    @Override
    public void close() {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
