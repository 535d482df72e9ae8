package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.RowSource.JsonText;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * Reads one column of a PostgreSQL result as its wire value (the encodings listed on {@link RowSource}), by the
 * column's PostgreSQL type. Typed getters where the driver offers them, so the result is the same whether the
 * driver received the value in text or in binary form (it switches to binary for prepared statements it reuses).
 */
final class WireValues {

    /** The largest integer a JSON client holding numbers as IEEE doubles reads exactly: 2^53 − 1. */
    static final long MAX_EXACT_INTEGER = (1L << 53) - 1;

    private WireValues() {}

    /** The wire value of column {@code index} of the current row of {@code rs}; null for SQL NULL. */
    static Object read(ResultSet rs, int index) throws SQLException {
        if (rs.getMetaData().getColumnType(index) == Types.ARRAY) {
            return array(rs.getArray(index));
        }
        String type = rs.getMetaData().getColumnTypeName(index);
        return switch (type) {
            case "int2", "int4" -> {
                int value = rs.getInt(index);
                yield rs.wasNull() ? null : value;
            }
            case "int8" -> {
                long value = rs.getLong(index);
                if (rs.wasNull()) {
                    yield null;
                }
                yield Math.abs(value) <= MAX_EXACT_INTEGER ? (Object) value : Long.toString(value);
            }
            case "float4" -> {
                float value = rs.getFloat(index);
                if (rs.wasNull()) {
                    yield null;
                }
                // through Float.toString: 0.1f becomes 0.1, not the double 0.10000000149011612 it widens to
                yield Float.isFinite(value) ? (Object) Double.valueOf(Float.toString(value)) : Float.toString(value);
            }
            case "float8" -> {
                double value = rs.getDouble(index);
                if (rs.wasNull()) {
                    yield null;
                }
                // JSON has no NaN or infinity: Java's names, which are PostgreSQL's text form too
                yield Double.isFinite(value) ? (Object) value : Double.toString(value);
            }
            case "numeric" -> numeric(rs, index);
            case "bool" -> {
                boolean value = rs.getBoolean(index);
                yield rs.wasNull() ? null : value;
            }
            case "date" -> date(rs.getObject(index, LocalDate.class));
            case "timestamp" -> timestamp(rs.getObject(index, LocalDateTime.class));
            case "timestamptz" -> timestamptz(rs.getObject(index, OffsetDateTime.class));
            case "json", "jsonb" -> {
                String json = rs.getString(index);
                yield json == null ? null : new JsonText(json);
            }
            case "bytea" -> {
                byte[] bytes = rs.getBytes(index);
                yield bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
            }
            // text, varchar, bpchar, uuid, enums and every other type: the text form
            default -> rs.getString(index);
        };
    }

    private static List<Object> array(Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        try (ResultSet elements = array.getResultSet()) {
            // one row per element of the first dimension: (index, value); a value of a multi-dimensional array
            // is itself an array, read by the same rules
            List<Object> values = new ArrayList<>();
            while (elements.next()) {
                values.add(read(elements, 2));
            }
            return Collections.unmodifiableList(values);
        } finally {
            array.free();
        }
    }

    private static String numeric(ResultSet rs, int index) throws SQLException {
        String text = rs.getString(index);
        if (text == null) {
            return null;
        }
        return switch (text) {
            // PostgreSQL's numeric has these; BigDecimal does not
            case "NaN", "Infinity", "-Infinity" -> text;
            default -> rs.getBigDecimal(index).toPlainString();
        };
    }

    // the driver reads PostgreSQL's infinite values as the MAX and MIN of java.time
    private static String date(LocalDate value) {
        if (value == null) {
            return null;
        }
        if (value.equals(LocalDate.MAX)) {
            return "infinity";
        }
        if (value.equals(LocalDate.MIN)) {
            return "-infinity";
        }
        return DateTimeFormatter.ISO_LOCAL_DATE.format(value);
    }

    private static String timestamp(LocalDateTime value) {
        if (value == null) {
            return null;
        }
        if (value.equals(LocalDateTime.MAX)) {
            return "infinity";
        }
        if (value.equals(LocalDateTime.MIN)) {
            return "-infinity";
        }
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value);
    }

    private static String timestamptz(OffsetDateTime value) {
        if (value == null) {
            return null;
        }
        if (value.equals(OffsetDateTime.MAX)) {
            return "infinity";
        }
        if (value.equals(OffsetDateTime.MIN)) {
            return "-infinity";
        }
        // the instant, whatever zone the session or the driver used to read it
        return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                        value.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime())
                + "Z";
    }
}
