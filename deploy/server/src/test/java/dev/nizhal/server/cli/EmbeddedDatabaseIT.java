package dev.nizhal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL that {@code nizhal serve} and {@code ./demo} keep across restarts is durable: zonky's test
 * defaults ({@code -F}, that is {@code fsync} off, and {@code synchronous_commit} off) would let a power loss lose an
 * answered "applied" push and corrupt the data folder. (Test databases that are thrown away keep {@code fsync} off.)
 */
class EmbeddedDatabaseIT {
    @Test
    void aKeptDatabaseRunsWithFsyncAndSynchronousCommits(@TempDir Path folder) throws SQLException {
        try (EmbeddedDatabase database = EmbeddedDatabase.start(folder.resolve("postgres"));
                Connection connection = DriverManager.getConnection(database.jdbcUrl())) {
            assertThat(setting(connection, "fsync")).isEqualTo("on");
            assertThat(setting(connection, "synchronous_commit")).isEqualTo("on");
            assertThat(setting(connection, "full_page_writes")).isEqualTo("on");
        }
    }

    private static String setting(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("select current_setting('" + name + "')")) {
            row.next();
            return row.getString(1);
        }
    }
}
