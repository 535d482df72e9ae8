package dev.nizhal.adapters.jaxrs.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nizhal.adapters.jaxrs.HealthCheck.Health;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.ports.in.DescribeContract.CollectionContract;
import dev.nizhal.ports.in.DescribeContract.Contract;
import dev.nizhal.ports.in.DescribeContract.ParameterContract;
import dev.nizhal.ports.in.DescribeContract.RuleContract;
import dev.nizhal.ports.in.PullChanges.Change;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.NotAttempted;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.in.PushMutations.Rejected;
import dev.nizhal.ports.out.RowSource.JsonText;
import dev.nizhal.ports.out.RowValues;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Writes the response bodies of PROTOCOL.md with Jackson's streaming generator, property by property, so that the
 * wire format is spelled out here and does not depend on how a JSON provider maps the port records. Row values are
 * already wire-encoded Java values ({@code RowSource}); a {@link JsonText} (json/jsonb column) is inserted as the raw
 * JSON it holds, as are the mutators' JSON Schemas.
 */
public final class ResponseWriter {
    /** Characters outside the BMP (emoji) as four UTF-8 bytes, not as an escaped surrogate pair. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            // a generator on a response's stream flushes it at the end and leaves closing it to the container
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    // a change's names, encoded once: a page writes them thousands of times
    private static final SerializedString OP = new SerializedString("op");
    private static final SerializedString UPSERT = new SerializedString("upsert");
    private static final SerializedString COLLECTION = new SerializedString("collection");
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString ROW = new SerializedString("row");
    private static final SerializedString BUCKETS = new SerializedString("buckets");

    private static final int MAX_COLUMN_NAMES = 4_096;
    private static final ConcurrentMap<String, SerializedString> COLUMN_NAMES = new ConcurrentHashMap<>();

    private ResponseWriter() {}

    /** A body written property by property. */
    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    /** The pull response; {@code lastMutationId} only when the response has one. */
    public static byte[] pull(PullResponse response) {
        return write(json -> pull(json, response));
    }

    /**
     * The pull response written to {@code out} as it is generated (a page of thousands of rows is not built in memory
     * a second time); {@code out} is flushed, not closed.
     */
    public static void pull(PullResponse response, OutputStream out) throws IOException {
        // the generator hands its buffer over at every 8,000 bytes, which the container copies into its own and sends
        // when that is full: a page of a megabyte went out as about 30 system calls; 64 KiB writes go through as they
        // are
        OutputStream page = new BufferedOutputStream(out, PAGE_WRITE_BYTES);
        try (JsonGenerator json = MAPPER.createGenerator(page)) {
            pull(json, response);
        } // the generator's close flushes the buffer and then out, and closes neither
    }

    /** The size of the writes of a pull response to the container's stream. */
    private static final int PAGE_WRITE_BYTES = 64 * 1024;

    private static void pull(JsonGenerator json, PullResponse response) throws IOException {
        Encoded names = new Encoded();
        json.writeStartObject();
        json.writeStringField("cursor", response.cursor());
        json.writeBooleanField("hasMore", response.hasMore());
        json.writeBooleanField("reset", response.reset());
        strings(json, "buckets", response.buckets());
        strings(json, "revokedBuckets", response.revokedBuckets());
        strings(json, "loadedBuckets", response.loadedBuckets());
        strings(json, "loadingBuckets", response.loadingBuckets());
        json.writeArrayFieldStart("changes");
        for (Change change : response.changes()) {
            change(json, change, names);
        }
        json.writeEndArray();
        if (response.lastMutationId() != null) {
            json.writeNumberField("lastMutationId", response.lastMutationId());
        }
        json.writeEndObject();
    }

    private static void change(JsonGenerator json, Change change, Encoded names) throws IOException {
        json.writeStartObject();
        switch (change) {
            case Upsert upsert -> {
                json.writeFieldName(OP);
                json.writeString(UPSERT);
                json.writeFieldName(COLLECTION);
                json.writeString(names.collection(upsert.collection()));
                json.writeFieldName(KEY);
                if (upsert.row() instanceof RowValues) {
                    databaseText(json, upsert.key()); // the row source's key
                } else {
                    json.writeString(upsert.key());
                }
                json.writeFieldName(ROW);
                row(json, upsert.row(), names);
                json.writeFieldName(BUCKETS);
                json.writeRawValue(names.buckets(upsert.buckets()));
            }
            case Delete delete -> {
                json.writeStringField("op", "delete");
                json.writeStringField("collection", delete.collection());
                json.writeStringField("key", delete.key());
            }
        }
        json.writeEndObject();
    }

    /** A row's values, its column names encoded once per name. */
    private static void row(JsonGenerator json, Map<String, Object> row, Encoded names) throws IOException {
        if (row == null) {
            json.writeNull();
            return;
        }
        json.writeStartObject();
        if (row instanceof RowValues values) {
            // the row source's rows: by position, the collection's names encoded once per response
            SerializedString[] encoded = names.of(values.names());
            for (int i = 0; i < encoded.length; i++) {
                json.writeFieldName(encoded[i]);
                if (values.value(i) instanceof String text) {
                    databaseText(json, text);
                } else {
                    value(json, values.value(i));
                }
            }
        } else {
            for (Map.Entry<String, Object> column : row.entrySet()) {
                json.writeFieldName(columnName(column.getKey()));
                value(json, column.getValue());
            }
        }
        json.writeEndObject();
    }

    /**
     * A string the row source read from PostgreSQL, written as {@code writeString} writes it, from its UTF-8 bytes:
     * Jackson escapes those faster than it encodes a string's characters (a page of 5,000 rows of five short strings:
     * about 0.95 against 1.4 ms). The two differ only on a lone surrogate, which such text cannot hold (the driver
     * decodes UTF-8); ResponseWriterTest compares them on every other character. The bytes get only the ASCII
     * escapes: enabling {@code ESCAPE_NON_ASCII} or character escapes on {@link #MAPPER} would leave these strings
     * unescaped (that test would fail).
     */
    static void databaseText(JsonGenerator json, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        json.writeUTF8String(utf8, 0, utf8.length);
    }

    /**
     * What the changes of one response repeat, encoded once: the column names of the collection last written (rows of
     * one page share one list), its name, and the last list of buckets as the JSON array it is written as (the rows of
     * a load page name the same buckets).
     */
    private static final class Encoded {
        private List<String> names;
        private SerializedString[] encoded;
        private String collection;
        private SerializedString collectionEncoded;
        private List<String> buckets;
        private SerializedString bucketsJson;

        SerializedString[] of(List<String> names) {
            if (names != this.names) {
                SerializedString[] fresh = new SerializedString[names.size()];
                for (int i = 0; i < fresh.length; i++) {
                    fresh[i] = columnName(names.get(i));
                }
                this.names = names;
                this.encoded = fresh;
            }
            return encoded;
        }

        SerializedString collection(String name) {
            if (!name.equals(collection)) {
                collection = name;
                collectionEncoded = new SerializedString(name);
            }
            return collectionEncoded;
        }

        /** The JSON array of {@code buckets}, as the response's own generator would write it. */
        SerializedString buckets(List<String> buckets) {
            if (buckets != this.buckets && !buckets.equals(this.buckets)) {
                this.buckets = List.copyOf(buckets); // the same list if it is one already (a load page's rows)
                bucketsJson =
                        new SerializedString(new String(write(json -> strings(json, buckets)), StandardCharsets.UTF_8));
            }
            return bucketsJson;
        }
    }

    private static SerializedString columnName(String name) {
        SerializedString encoded = COLUMN_NAMES.get(name);
        if (encoded == null) {
            encoded = new SerializedString(name);
            // the names are the synced columns of the rules; the bound only keeps a surprise from growing the map
            if (COLUMN_NAMES.size() < MAX_COLUMN_NAMES) {
                COLUMN_NAMES.putIfAbsent(name, encoded);
            }
        }
        return encoded;
    }

    /**
     * The push response: {@code applied} with its {@code result}, {@code rejected} with its {@code error}, {@code
     * notAttempted} with the error only on the first one; {@code "replayed": true} on outcomes answered from the
     * journal.
     */
    public static byte[] push(PushResponse response) {
        return write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("results");
            for (MutationOutcome outcome : response.results()) {
                outcome(json, outcome);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void outcome(JsonGenerator json, MutationOutcome outcome) throws IOException {
        json.writeStartObject();
        json.writeNumberField("id", outcome.id());
        switch (outcome) {
            case Applied applied -> {
                json.writeStringField("status", "applied");
                replayed(json, applied.replayed());
                json.writeObjectFieldStart("result");
                json.writeFieldName("serverId");
                value(json, applied.serverId());
                strings(json, "affectedBuckets", applied.affectedBuckets());
                json.writeEndObject();
            }
            case Rejected rejected -> {
                json.writeStringField("status", "rejected");
                replayed(json, rejected.replayed());
                json.writeObjectFieldStart("error");
                json.writeStringField("code", rejected.code().name());
                json.writeStringField("message", rejected.message());
                json.writeBooleanField("retryable", rejected.code().retryable());
                details(json, rejected.details());
                json.writeEndObject();
            }
            case NotAttempted notAttempted -> {
                json.writeStringField("status", "notAttempted");
                if (notAttempted.code() != null) {
                    json.writeObjectFieldStart("error");
                    json.writeStringField("code", notAttempted.code().name());
                    json.writeBooleanField("retryable", notAttempted.code().retryable());
                    json.writeEndObject();
                }
            }
        }
        json.writeEndObject();
    }

    private static void replayed(JsonGenerator json, boolean replayed) throws IOException {
        if (replayed) {
            json.writeBooleanField("replayed", true);
        }
    }

    /** The contract; names sorted, so the same rules give the same bytes. */
    public static byte[] contract(Contract contract) {
        return write(json -> {
            json.writeStartObject();
            json.writeNumberField("protocol", contract.protocol());
            json.writeObjectFieldStart("syncRules");
            for (Map.Entry<String, RuleContract> rule : new TreeMap<>(contract.syncRules()).entrySet()) {
                json.writeObjectFieldStart(rule.getKey());
                json.writeArrayFieldStart("parameters");
                for (ParameterContract parameter : rule.getValue().parameters()) {
                    json.writeStartObject();
                    json.writeStringField("name", parameter.name());
                    json.writeStringField("type", parameter.type());
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeObjectFieldStart("collections");
                for (Map.Entry<String, CollectionContract> collection :
                        new TreeMap<>(rule.getValue().collections()).entrySet()) {
                    json.writeObjectFieldStart(collection.getKey());
                    strings(json, "key", collection.getValue().key());
                    json.writeObjectFieldStart("columns");
                    for (Map.Entry<String, String> column :
                            new TreeMap<>(collection.getValue().columns()).entrySet()) {
                        json.writeStringField(column.getKey(), column.getValue());
                    }
                    json.writeEndObject();
                    json.writeEndObject();
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeObjectFieldStart("mutators");
            for (Map.Entry<String, String> mutator : new TreeMap<>(contract.mutatorArgsSchemas()).entrySet()) {
                json.writeFieldName(mutator.getKey());
                json.writeRawValue(mutator.getValue());
            }
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    /** {@code {"status": "UP", "database": "UP", "migrations": "CURRENT"}}, or what is not. */
    public static byte[] health(Health health) {
        return write(json -> {
            json.writeStartObject();
            json.writeStringField("status", health.ready() ? "UP" : "DOWN");
            json.writeStringField("database", health.databaseUp() ? "UP" : "DOWN");
            json.writeStringField(
                    "migrations",
                    !health.databaseUp() ? "UNKNOWN" : health.migrationsCurrent() ? "CURRENT" : "PENDING");
            json.writeEndObject();
        });
    }

    /** {@code {"error": {"code", "message", "retryable", "details"?, "correlationId"}}}. */
    public static byte[] error(SyncErrorCode code, String message, Map<String, Object> details, String correlationId) {
        return write(json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("error");
            json.writeStringField("code", code.name());
            json.writeStringField("message", message);
            json.writeBooleanField("retryable", code.retryable());
            details(json, details);
            json.writeStringField("correlationId", correlationId);
            json.writeEndObject();
            json.writeEndObject();
        });
    }

    private static void details(JsonGenerator json, Map<String, Object> details) throws IOException {
        if (!details.isEmpty()) {
            json.writeFieldName("details");
            value(json, details);
        }
    }

    private static void strings(JsonGenerator json, String name, List<String> values) throws IOException {
        json.writeFieldName(name);
        strings(json, values);
    }

    private static void strings(JsonGenerator json, List<String> values) throws IOException {
        json.writeStartArray();
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }

    /** A wire-encoded value: JSON scalars, lists, maps, and {@link JsonText} written as the JSON it holds. */
    private static void value(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case JsonText text -> json.writeRawValue(text.json());
            case String text -> json.writeString(text);
            case Boolean bool -> json.writeBoolean(bool);
            case Integer number -> json.writeNumber(number);
            case Long number -> json.writeNumber(number);
            case BigInteger number -> json.writeNumber(number);
            case BigDecimal number -> json.writeNumber(number);
            case Double number when number.isNaN() || number.isInfinite() -> json.writeString(number.toString());
            case Double number -> json.writeNumber(number);
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    json.writeFieldName(String.valueOf(entry.getKey()));
                    value(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case Collection<?> list -> {
                json.writeStartArray();
                for (Object element : list) {
                    value(json, element);
                }
                json.writeEndArray();
            }
            default -> MAPPER.writeValue(json, value); // a mutator's own result record, for example
        }
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = MAPPER.createGenerator(out)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does no I/O; only an unwritable value fails
        }
        return out.toByteArray();
    }
}
