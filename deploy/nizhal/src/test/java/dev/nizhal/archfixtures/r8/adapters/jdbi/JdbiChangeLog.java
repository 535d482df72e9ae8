package dev.nizhal.archfixtures.r8.adapters.jdbi;

import java.sql.SQLException;
import org.jdbi.v3.core.Jdbi;

/** Compliant with R8: the JDBI adapter is where JDBI and JDBC live. */
public final class JdbiChangeLog {
    private final Jdbi jdbi;

    public JdbiChangeLog(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public boolean isTransient(SQLException failure) {
        return "40001".equals(failure.getSQLState());
    }

    public Jdbi jdbi() {
        return jdbi;
    }
}
