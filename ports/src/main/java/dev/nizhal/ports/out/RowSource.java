package dev.nizhal.ports.out;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads current rows and grants with the compiled SQL of the rules, in the caller's transaction.
 *
 * <p>Row values are encoded for the wire as PROTOCOL.md "Encodings" says, as plain Java values that any JSON writer
 * renders: text, varchar, char, uuid, enum and every other type without a rule below → {@link String} (its
 * PostgreSQL text form); int2, int4 → {@link Integer}; int8 → {@link Long} within ±(2^53 − 1), the integers a JSON
 * client reads exactly, else {@link String}; numeric → {@link String}, plain digits, never an exponent; float4,
 * float8 → {@link Double}, except NaN and the infinities, which JSON has no number for: the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"}; boolean → {@link Boolean}; date → {@code YYYY-MM-DD}; timestamptz →
 * ISO-8601 in UTC with {@code Z}; timestamp → ISO-8601 without a zone (the infinite date and time values as the
 * strings {@code "infinity"} and {@code "-infinity"}); json, jsonb → {@link JsonText}; bytea → base64 {@link String};
 * arrays → {@link List} of the encoded elements (nested for more dimensions); NULL → null.
 */
public interface RowSource {

    /** The bucket keys granted to {@code actor} by {@code rule}, in the transaction's snapshot. */
    Set<String> grants(Tx tx, CompiledRule rule, Actor actor);

    /**
     * The grant keys ({@code grant:<rule>[...]}) under which the capture triggers log changes to {@code actor}'s rows
     * of the tables {@code rule}'s parameter queries read: a change under one may change the actor's grants. Empty
     * for rules without parameter queries.
     */
    Set<String> grantKeys(Tx tx, CompiledRule rule, Actor actor);

    /** The bucket keys a client's filter ({@code filtersJson}: a JSON array of objects, as sent) names. */
    Set<String> requested(Tx tx, CompiledRule rule, String filtersJson);

    /** The current rows with {@code keys} that belong to one of {@code readSet}; a key without a row was deleted. */
    List<Row> changedRows(Tx tx, CompiledCollection collection, List<String> keys, Set<String> readSet);

    /**
     * One initial-load page of {@code bucket}: rows after {@code afterKey} (null: from the start), in key order, at
     * most {@code limit}.
     */
    default List<Row> page(Tx tx, CompiledCollection collection, String bucket, String afterKey, int limit) {
        return page(tx, collection, bucket, afterKey, limit, Long.MAX_VALUE).rows();
    }

    /**
     * One initial-load page of {@code bucket} bounded by its rows and by its size: rows after {@code afterKey} (null:
     * from the start), in key order, at most {@code limit}, and none after the row at which the {@link Row#size()
     * sizes} of the page's rows reach {@code maxBytes} (so a page holds at least one row when there is one). An
     * implementation reads little past that row from the database (how little is its own; see {@code
     * JdbiRowSource}).
     */
    Page page(Tx tx, CompiledCollection collection, String bucket, String afterKey, int limit, long maxBytes);

    /**
     * A page of rows.
     *
     * @param bytes the sum of the rows' {@link Row#size() sizes}
     * @param cut true when the page ended at its size bound with fewer than its limit of rows: rows after its last one
     *     may follow, as after a full page
     */
    record Page(List<Row> rows, long bytes, boolean cut) {
        public Page {
            rows = List.copyOf(rows);
        }
    }

    /**
     * A current row.
     *
     * @param bucket the bucket of the rule the row belongs to (null for page rows, which belong to the page's)
     * @param values the synced columns in the order of {@link CompiledCollection#columns()}, encoded for the wire as
     *     this interface says
     */
    record Row(String key, String bucket, Map<String, Object> values) {
        /**
         * About the bytes of this row in a pull response: its key, its column names and its values as JSON text.
         * What bounds a page by size; not an exact count: a character counts as a byte (text outside ASCII takes two
         * or three bytes in UTF-8, a character JSON escapes up to six), and the change's collection and buckets are
         * left out.
         */
        public long size() {
            long size = CHANGE_OVERHEAD + key.length();
            if (values instanceof RowValues row) {
                for (int i = 0; i < row.size(); i++) {
                    size += row.name(i).length() + VALUE_OVERHEAD + size(row.value(i));
                }
            } else if (values != null) {
                for (Map.Entry<String, Object> column : values.entrySet()) {
                    size += column.getKey().length() + VALUE_OVERHEAD + size(column.getValue());
                }
            }
            return size;
        }

        /** The braces, names and quotes of a change around its key and row. */
        private static final int CHANGE_OVERHEAD = 64;

        /** A name's quotes, its colon and the comma after its value. */
        private static final int VALUE_OVERHEAD = 4;

        private static long size(Object value) {
            return switch (value) {
                case null -> 4;
                case String text -> text.length() + 2;
                case JsonText json -> json.json().length();
                case List<?> list -> {
                    long size = 2;
                    for (Object element : list) {
                        size += size(element) + 1;
                    }
                    yield size;
                }
                case Map<?, ?> map -> {
                    long size = 2;
                    for (Map.Entry<?, ?> entry : map.entrySet()) {
                        size += String.valueOf(entry.getKey()).length() + VALUE_OVERHEAD + size(entry.getValue());
                    }
                    yield size;
                }
                default -> 8; // numbers and booleans
            };
        }
    }

    /**
     * A json or jsonb column's value: JSON text that a JSON writer inserts as it is (a nested value, not a string).
     *
     * @param json one JSON value, as PostgreSQL printed it
     */
    record JsonText(String json) {
        public JsonText {
            Objects.requireNonNull(json, "json");
        }
    }
}
