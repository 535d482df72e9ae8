package dev.nizhal.archfixtures.r8.adapters.jaxrs;

import java.sql.SQLException;

/** Breaks R8: a web adapter handles JDBC errors, which should never leave adapters-jdbi. */
public final class SqlErrorMapper {
    public int status(SQLException failure) {
        return failure.getErrorCode() == 0 ? 500 : 503;
    }
}
