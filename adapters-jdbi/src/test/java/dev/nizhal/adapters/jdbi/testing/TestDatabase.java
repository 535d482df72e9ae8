package dev.nizhal.adapters.jdbi.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * The empty database that {@link PostgresExtension} created for one test class, on the test JVM's PostgreSQL
 * server. Connect through {@link #dataSource()} or {@link #jdbi()}, or hand {@link #jdbcUrl()}, {@link #user()} and
 * {@link #password()} to the code under test (the URL does not necessarily carry the credentials).
 */
public final class TestDatabase {

    private final String name;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final DataSource dataSource;
    private final Jdbi jdbi;

    TestDatabase(String name, String jdbcUrl, String user, String password) {
        this.name = name;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.dataSource = TestServer.dataSource(jdbcUrl, user, password);
        this.jdbi = Jdbi.create(dataSource);
    }

    /** The database's name, unique per test class, e.g. {@code nizhal_pullchangesit_1x2y3z}. */
    public String name() {
        return name;
    }

    /** A JDBC URL of this database. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The user to connect as; it owns this database. */
    public String user() {
        return user;
    }

    /** The user's password; empty when the server does not ask for one. */
    public String password() {
        return password;
    }

    /** A data source without a pool: each {@code getConnection()} opens a new connection to this database. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** One {@link Jdbi} on {@link #dataSource()}, shared by the test class. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * Fails unless the server can prepare transactions (two-phase commit), for the tests that use {@code PREPARE
     * TRANSACTION}. The servers the helper starts can; an external one needs {@code max_prepared_transactions} above
     * zero.
     *
     * @throws IllegalStateException naming the setting when it is 0
     */
    public void requireTwoPhaseCommit() {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT current_setting('max_prepared_transactions')::int")) {
            row.next();
            checkTwoPhaseCommit(row.getInt(1));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read max_prepared_transactions of " + jdbcUrl, e);
        }
    }

    static void checkTwoPhaseCommit(int maxPreparedTransactions) {
        if (maxPreparedTransactions <= 0) {
            throw new IllegalStateException("This test uses two-phase commit (PREPARE TRANSACTION), but the server"
                    + " at " + ServerChoice.URL_VARIABLE + " runs with max_prepared_transactions = "
                    + maxPreparedTransactions + ". Set max_prepared_transactions to 20 or more (postgresql.conf or"
                    + " -c max_prepared_transactions=20) and restart the server.");
        }
    }

    /** The name and the URL, without a password the URL may carry. */
    @Override
    public String toString() {
        return "TestDatabase[" + name + " at " + jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***") + "]";
    }
}
