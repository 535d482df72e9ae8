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
 * @param operatorSchema the schema of the type's own comparison operators ({@code =}, {@code <}, {@code >}) when
 *     they are not in {@code pg_catalog}, such as {@code citext}'s in the schema its extension was installed in;
 *     {@code null} when PostgreSQL finds them in {@code pg_catalog} (built-in types, enums, domains over built-in
 *     types). Compiled SQL names such operators explicitly, since a capture function pins its search path to
 *     {@code pg_catalog}, where PostgreSQL would silently pick another type's operator through an implicit cast.
 */
public record PgType(String schema, String name, char category, String operatorSchema) {

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
        if (operatorSchema != null && (operatorSchema.isEmpty() || operatorSchema.equals("pg_catalog"))) {
            throw new IllegalArgumentException(
                    "operatorSchema is null for operators in pg_catalog, got '" + operatorSchema + "'");
        }
    }

    /** A type whose comparison operators PostgreSQL finds in {@code pg_catalog}. */
    public PgType(String schema, String name, char category) {
        this(schema, name, category, null);
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
