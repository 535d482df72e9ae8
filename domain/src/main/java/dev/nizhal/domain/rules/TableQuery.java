package dev.nizhal.domain.rules;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One table read by a rule: a data query ({@code table(...).columns(...).where(...)}) or a parameter query ({@code
 * table(...).select(column).where(...)}). Immutable: every method returns a new query.
 *
 * @param schema the table's schema, or {@code null} for the rules' default schema
 * @param table the table name
 * @param columns the column allowlist, or {@code null} for every column (a linter warning)
 * @param key the primary-key columns, or {@code null} for the table's primary key ({@code id} without a schema)
 * @param where the row-local condition, or {@code null} for every row
 * @param select the selected column of a parameter query, {@code null} in a data query
 */
public record TableQuery(
        String schema, String table, List<String> columns, List<String> key, Condition where, String select) {

    public TableQuery {
        Objects.requireNonNull(table, "table");
        columns = columns == null ? null : List.copyOf(columns);
        key = key == null ? null : List.copyOf(key);
    }

    static TableQuery of(String table) {
        return new TableQuery(null, table, null, null, null, null);
    }

    /** The schema the table lives in (default: the rules' default schema). */
    public TableQuery inSchema(String schemaName) {
        return new TableQuery(Objects.requireNonNull(schemaName), table, columns, key, where, select);
    }

    /** The columns clients receive (an allowlist). */
    public TableQuery columns(String... names) {
        return new TableQuery(schema, table, Arrays.asList(names), key, where, select);
    }

    /** The primary key, when it is not the table's declared primary key; composite keys allowed. */
    public TableQuery key(String... names) {
        return new TableQuery(schema, table, columns, Arrays.asList(names), where, select);
    }

    public TableQuery where(Condition condition) {
        return new TableQuery(schema, table, columns, key, Objects.requireNonNull(condition), select);
    }

    /** The column a parameter query yields as the parameter's values. */
    public TableQuery select(String column) {
        return new TableQuery(schema, table, columns, key, where, Objects.requireNonNull(column));
    }

    /** The schema-qualified name, with the given default schema when none is set. */
    public TableName name(String defaultSchema) {
        return new TableName(schema == null ? defaultSchema : schema, table);
    }
}
