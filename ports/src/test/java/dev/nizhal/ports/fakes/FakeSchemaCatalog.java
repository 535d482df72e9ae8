package dev.nizhal.ports.fakes;

import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import dev.nizhal.ports.out.SchemaCatalog;
import java.util.Collection;
import java.util.List;

/** A catalog over a fixed schema description. */
public record FakeSchemaCatalog(SchemaDescription schema) implements SchemaCatalog {
    @Override
    public SchemaDescription describe(Collection<TableName> tables) {
        List<TableSchema> found =
                tables.stream().flatMap(t -> schema.table(t).stream()).toList();
        return SchemaDescription.of(found);
    }
}
