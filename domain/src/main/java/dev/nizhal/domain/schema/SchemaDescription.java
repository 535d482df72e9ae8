package dev.nizhal.domain.schema;

import dev.nizhal.domain.rules.TableName;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The live database's tables as far as the rules need them, read by the storage adapter from the catalog. The linter
 * checks rules against it; the SQL compiler needs it for column types and primary keys.
 */
public record SchemaDescription(Map<TableName, TableSchema> tables) {
    public SchemaDescription {
        tables = Map.copyOf(tables);
    }

    public static SchemaDescription of(Collection<TableSchema> tables) {
        Map<TableName, TableSchema> byName = new TreeMap<>();
        tables.forEach(t -> byName.put(t.name(), t));
        return new SchemaDescription(byName);
    }

    public Optional<TableSchema> table(TableName name) {
        return Optional.ofNullable(tables.get(name));
    }
}
