package dev.nizhal.archfixtures.r8.domain;

import java.sql.Timestamp;
import java.time.Instant;

/** Breaks R8 (and only R8: java.sql is JDK, which R1 allows): the domain uses a JDBC type. */
public final class RowTimestamps {
    private RowTimestamps() {}

    public static Instant toInstant(Timestamp timestamp) {
        return timestamp.toInstant();
    }
}
