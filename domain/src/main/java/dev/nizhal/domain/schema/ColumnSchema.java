package dev.nizhal.domain.schema;

import java.util.Objects;

/** One column of a live table. */
public record ColumnSchema(String name, PgType type, boolean nullable) {
    public ColumnSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
