package dev.nizhal.ports.out;

import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.schema.SchemaDescription;
import java.util.Collection;

/** Describes the live tables the rules read (columns, types, primary keys), for the linter and the compiler. */
@FunctionalInterface
public interface SchemaCatalog {
    /** The tables among {@code tables} that exist; missing ones are simply absent from the description. */
    SchemaDescription describe(Collection<TableName> tables);
}
