package dev.nizhal.archfixtures.r8.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Compliant with R8: the demo may create its own schema over JDBC. */
public final class NotesSchema {
    private NotesSchema() {}

    public static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("create table if not exists notes (id uuid primary key, body text)");
        }
    }
}
