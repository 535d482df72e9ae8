package dev.nizhal.domain.schema;

import java.util.Map;
import java.util.Objects;

/**
 * A PostgreSQL column type as the catalog describes it.
 *
 * @param schema the type's schema ({@code pg_catalog} for built-in types)
 * @param name the type's name in {@code pg_type} ({@code int4}, {@code timestamptz}, {@code varchar}, ...)
 * @param category {@code pg_type.typcategory}: N numeric, D date/time, S string, B boolean, U user-defined (uuid,
 *     jsonb, bytea), E enum, A array, T timespan, ...
 */
public record PgType(String schema, String name, char category) {

    private static final Map<String, Character> BUILT_IN = Map.ofEntries(
            Map.entry("int2", 'N'),
            Map.entry("int4", 'N'),
            Map.entry("int8", 'N'),
            Map.entry("numeric", 'N'),
            Map.entry("float4", 'N'),
            Map.entry("float8", 'N'),
            Map.entry("text", 'S'),
            Map.entry("varchar", 'S'),
            Map.entry("bpchar", 'S'),
            Map.entry("name", 'S'),
            Map.entry("bool", 'B'),
            Map.entry("uuid", 'U'),
            Map.entry("json", 'U'),
            Map.entry("jsonb", 'U'),
            Map.entry("bytea", 'U'),
            Map.entry("date", 'D'),
            Map.entry("time", 'D'),
            Map.entry("timetz", 'D'),
            Map.entry("timestamp", 'D'),
            Map.entry("timestamptz", 'D'),
            Map.entry("interval", 'T'));

    public PgType {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
    }

    /** A built-in type by its {@code pg_type} name, for schema descriptions written by hand (tests, docs). */
    public static PgType builtIn(String name) {
        Character category = BUILT_IN.get(name);
        if (category == null) {
            throw new IllegalArgumentException("not a known built-in type: " + name);
        }
        return new PgType("pg_catalog", name, category);
    }

    public boolean isNumeric() {
        return category == 'N';
    }

    public boolean isDateTime() {
        return category == 'D';
    }

    public boolean isBuiltIn(String typeName) {
        return "pg_catalog".equals(schema) && name.equals(typeName);
    }

    @Override
    public String toString() {
        return "pg_catalog".equals(schema) ? name : schema + "." + name;
    }
}
