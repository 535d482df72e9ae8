package dev.nizhal.archfixtures.r8;

import dev.nizhal.archfixtures.r8.adapters.jdbi.JdbiChangeLog;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/** Compliant with R8: the deploy builder in the root package wires the DataSource. */
public final class Nizhal {
    private Nizhal() {}

    public static JdbiChangeLog changeLog(DataSource dataSource) {
        return new JdbiChangeLog(Jdbi.create(dataSource));
    }
}
