package dev.nizhal.domain.rules;

import java.util.Objects;

/** A schema-qualified table name. */
public record TableName(String schema, String table) implements Comparable<TableName> {
    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
    }

    @Override
    public int compareTo(TableName other) {
        int bySchema = schema.compareTo(other.schema);
        return bySchema != 0 ? bySchema : table.compareTo(other.table);
    }

    /** {@code table} in the default schema {@code public}, {@code schema.table} elsewhere. */
    @Override
    public String toString() {
        return "public".equals(schema) ? table : schema + "." + table;
    }
}
