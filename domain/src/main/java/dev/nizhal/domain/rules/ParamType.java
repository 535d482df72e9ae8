package dev.nizhal.domain.rules;

import dev.nizhal.domain.schema.PgType;
import java.util.Optional;

/**
 * The types a bucket parameter may have. Each has one canonical encoding in a bucket key, produced by SQL alone:
 * {@code to_jsonb(cast(value as <sqlType>))::text}: a JSON string for text and uuid (lower case), a JSON number for
 * int and bigint, {@code true}/{@code false} for boolean.
 */
public enum ParamType {
    TEXT("text", Family.TEXT),
    UUID("uuid", Family.UUID),
    INT("int4", Family.INTEGER),
    BIGINT("int8", Family.INTEGER),
    BOOLEAN("bool", Family.BOOLEAN);

    /** Types of one family compare with each other and encode identically. */
    public enum Family {
        TEXT,
        UUID,
        INTEGER,
        BOOLEAN
    }

    private final String sqlType;
    private final Family family;

    ParamType(String sqlType, Family family) {
        this.sqlType = sqlType;
        this.family = family;
    }

    /** The built-in PostgreSQL type a value is cast to before it is encoded. */
    public String sqlType() {
        return sqlType;
    }

    public Family family() {
        return family;
    }

    /** The parameter type a column of this type holds, if it is one of the supported ones. */
    public static Optional<ParamType> of(PgType type) {
        if (!"pg_catalog".equals(type.schema())) {
            return Optional.empty();
        }
        return switch (type.name()) {
            case "text", "varchar", "bpchar" -> Optional.of(TEXT);
            case "uuid" -> Optional.of(UUID);
            case "int2", "int4" -> Optional.of(INT);
            case "int8" -> Optional.of(BIGINT);
            case "bool" -> Optional.of(BOOLEAN);
            default -> Optional.empty();
        };
    }

    /** The type that holds values of both (same family only). */
    public ParamType widen(ParamType other) {
        if (other.family != family) {
            throw new IllegalArgumentException(this + " and " + other + " are of different families");
        }
        return ordinal() >= other.ordinal() ? this : other;
    }
}
