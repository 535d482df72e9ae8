package dev.nizhal.archfixtures.r8.server;

import java.sql.Connection;
import java.sql.SQLException;

/** Compliant with R8: deploy/server may use JDBC (e.g. a health check). */
public final class ServerMain {
    private ServerMain() {}

    public static boolean healthy(Connection connection) throws SQLException {
        return connection.isValid(1);
    }
}
