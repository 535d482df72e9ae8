package dev.nizhal.archfixtures.r8.adapters.json;

import org.jdbi.v3.core.Jdbi;

/** Breaks R8: the JSON adapter uses JDBI. */
public final class JdbiJsonColumns {
    private final Jdbi jdbi;

    public JdbiJsonColumns(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }
}
