package dev.nizhal.bench.jmh;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.ports.in.PullChanges.Change;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.out.RowValues;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pull response of a full initial-sync page: 5,000 upserts of the demo's {@code notes} (id, body, owner_id,
 * updated_at, as the row source hands them over: wire-encoded strings), written by the adapter's {@link
 * ResponseWriter} as the pull resource streams it. The JFR profile of the initial sync found this writing to be the
 * largest share of the server's CPU (bench/README.md, "Initial sync").
 *
 * <p>Baselines, the same values to the same kind of sink: Jackson's databind writing the {@link PullResponse} record
 * as a JSON provider would ({@code baselineDatabind}; the same properties but {@code op}), and a plain streaming
 * generator writing exactly the writer's JSON with field names as strings ({@code baselineStreaming}: the least
 * Jackson can do for this text). {@code PullResponseWriterBenchmarkTest} checks that the three texts hold the same
 * values.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PullResponseWriterBenchmark {
    /** The synced columns of the demo's notes, one list for every row as the row source shares it. */
    private static final List<String> COLUMNS = List.of("id", "body", "owner_id", "updated_at");

    /** Rows of the page: the pull's maximum limit, as the initial sync asks. */
    static final int ROWS = 5_000;

    private static final ObjectMapper PLAIN = JsonMapper.builder()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    PullResponse response;
    private final CountingSink sink = new CountingSink();

    @Setup
    public void setUp() {
        response = page(ROWS);
    }

    /** A page of {@code rows} upserts of one owner's notes, with a cursor of a typical length. */
    static PullResponse page(int rows) {
        String bucket = "myNotes[\"bulk\"]";
        List<Change> changes = new ArrayList<>(rows);
        for (int i = 1; i <= rows; i++) {
            Map<String, Object> row = new RowValues(COLUMNS, new Object[] {
                "bulk-" + i,
                "a note of the bench, number " + i,
                "bulk",
                String.format("2026-12-06T13:%02d:%02d.%06dZ", i / 60 % 60, i % 60, i * 7 % 1_000_000)
            });
            changes.add(new Upsert("notes", "bulk-" + i, row, List.of(bucket)));
        }
        return new PullResponse(
                "A".repeat(380), true, false, List.of(bucket), List.of(), List.of(), List.of(bucket), changes, null);
    }

    @Benchmark
    public long responseWriter() throws IOException {
        ResponseWriter.pull(response, sink);
        return sink.take();
    }

    @Benchmark
    public long baselineDatabind() throws IOException {
        PLAIN.writeValue(sink, response);
        return sink.take();
    }

    @Benchmark
    public long baselineStreaming() throws IOException {
        try (JsonGenerator json = PLAIN.createGenerator(sink)) {
            streaming(json, response);
        }
        return sink.take();
    }

    /** The writer's JSON, written with no pre-encoded names and no dispatch on the values' types. */
    static void streaming(JsonGenerator json, PullResponse response) throws IOException {
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
            Upsert upsert = (Upsert) change;
            json.writeStartObject();
            json.writeStringField("op", "upsert");
            json.writeStringField("collection", upsert.collection());
            json.writeStringField("key", upsert.key());
            json.writeObjectFieldStart("row");
            for (Map.Entry<String, Object> column : upsert.row().entrySet()) {
                json.writeStringField(column.getKey(), (String) column.getValue());
            }
            json.writeEndObject();
            strings(json, "buckets", upsert.buckets());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void strings(JsonGenerator json, String name, List<String> values) throws IOException {
        json.writeArrayFieldStart(name);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }
}
