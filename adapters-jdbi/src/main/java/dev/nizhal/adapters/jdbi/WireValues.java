package dev.nizhal.adapters.jdbi;

import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.RowSource.JsonText;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
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

    /** Reads one column of the rows of a result as wire values; chosen once per result by the column's type. */
    @FunctionalInterface
    interface Column {
        /** The wire value of column {@code index} of the current row of {@code rs}; null for SQL NULL. */
        Object read(ResultSet rs, int index) throws SQLException;
    }

    /**
     * The reader of column {@code index} of a result with metadata {@code meta}. A result's column types are fixed,
     * so a caller reading many rows chooses the readers once (the driver's type look-ups per value cost more than
     * many of the values).
     */
    static Column column(ResultSetMetaData meta, int index) throws SQLException {
        if (meta.getColumnType(index) == Types.ARRAY) {
            return (rs, i) -> array(rs.getArray(i));
        }
        return switch (meta.getColumnTypeName(index)) {
            case "int2", "int4" ->
                (rs, i) -> {
                    int value = rs.getInt(i);
                    return rs.wasNull() ? null : value;
                };
            case "int8" ->
                (rs, i) -> {
                    long value = rs.getLong(i);
                    if (rs.wasNull()) {
                        return null;
                    }
                    return Math.abs(value) <= MAX_EXACT_INTEGER ? (Object) value : Long.toString(value);
                };
            case "float4" ->
                (rs, i) -> {
                    float value = rs.getFloat(i);
                    if (rs.wasNull()) {
                        return null;
                    }
                    // through Float.toString: 0.1f becomes 0.1, not the double 0.10000000149011612 it widens to
                    return Float.isFinite(value)
                            ? (Object) Double.valueOf(Float.toString(value))
                            : Float.toString(value);
                };
            case "float8" ->
                (rs, i) -> {
                    double value = rs.getDouble(i);
                    if (rs.wasNull()) {
                        return null;
                    }
                    // JSON has no NaN or infinity: Java's names, which are PostgreSQL's text form too
                    return Double.isFinite(value) ? (Object) value : Double.toString(value);
                };
            case "numeric" -> WireValues::numeric;
            case "bool" ->
                (rs, i) -> {
                    boolean value = rs.getBoolean(i);
                    return rs.wasNull() ? null : value;
                };
            case "date" -> (rs, i) -> date(rs.getObject(i, LocalDate.class));
            case "timestamp" -> (rs, i) -> timestamp(rs.getObject(i, LocalDateTime.class));
            case "timestamptz" -> (rs, i) -> timestamptz(rs.getObject(i, OffsetDateTime.class));
            case "json", "jsonb" ->
                (rs, i) -> {
                    String json = rs.getString(i);
                    return json == null ? null : new JsonText(json);
                };
            case "bytea" ->
                (rs, i) -> {
                    byte[] bytes = rs.getBytes(i);
                    return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
                };
            // text, varchar, bpchar, uuid, enums and every other type: the text form
            default -> ResultSet::getString;
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
            Column element = column(elements.getMetaData(), 2);
            while (elements.next()) {
                values.add(element.read(elements, 2));
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
        return isoDate(value);
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
        return isoDateTime(value);
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
        return isoDateTime(value.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime(), true);
    }

    /**
     * {@link DateTimeFormatter#ISO_LOCAL_DATE}'s text of {@code value}, written by hand for the years 0 to 9999 (the
     * formatter's general path costs more than the rest of a row's reading); other years through the formatter. The
     * unit test compares both on many values.
     */
    static String isoDate(LocalDate value) {
        int year = value.getYear();
        if (year < 0 || year > 9999) {
            return DateTimeFormatter.ISO_LOCAL_DATE.format(value);
        }
        byte[] text = new byte[10];
        date(text, year, value.getMonthValue(), value.getDayOfMonth());
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** {@link DateTimeFormatter#ISO_LOCAL_DATE_TIME}'s text of {@code value}; by hand as {@link #isoDate}. */
    static String isoDateTime(LocalDateTime value) {
        return isoDateTime(value, false);
    }

    /** {@link #isoDateTime(LocalDateTime)}, followed by {@code Z} when {@code utc}. */
    static String isoDateTime(LocalDateTime value, boolean utc) {
        int year = value.getYear();
        if (year < 0 || year > 9999) {
            String text = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(value);
            return utc ? text + "Z" : text;
        }
        // the characters written into one array: a page writes one or more of these per row
        byte[] text = new byte[30];
        date(text, year, value.getMonthValue(), value.getDayOfMonth());
        text[10] = 'T';
        digits(text, 11, value.getHour(), 2);
        text[13] = ':';
        digits(text, 14, value.getMinute(), 2);
        text[16] = ':';
        digits(text, 17, value.getSecond(), 2);
        int length = 19;
        int nano = value.getNano();
        if (nano != 0) {
            // the formatter's fraction: as many digits as needed, trailing zeros left out
            int width = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                width--;
            }
            text[length++] = '.';
            digits(text, length, nano, width);
            length += width;
        }
        if (utc) {
            text[length++] = 'Z';
        }
        return new String(text, 0, length, StandardCharsets.ISO_8859_1);
    }

    private static void date(byte[] text, int year, int month, int day) {
        digits(text, 0, year, 4);
        text[4] = '-';
        digits(text, 5, month, 2);
        text[7] = '-';
        digits(text, 8, day, 2);
    }

    /** {@code value} (0 to 10^width − 1) as {@code width} digits, zero-padded, at {@code at}. */
    private static void digits(byte[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
