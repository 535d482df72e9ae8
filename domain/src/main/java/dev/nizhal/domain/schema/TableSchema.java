package dev.nizhal.domain.schema;

import dev.nizhal.domain.rules.TableName;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One live table: its columns in order and its primary key (empty when it has none).
 *
 * @param partitioned whether the table is a partitioned parent (its partitions need their own triggers)
 */
public record TableSchema(TableName name, List<ColumnSchema> columns, List<String> primaryKey, boolean partitioned) {
    public TableSchema {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    public Optional<ColumnSchema> column(String column) {
        return columns.stream().filter(c -> c.name().equals(column)).findFirst();
    }
}
