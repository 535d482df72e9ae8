package dev.nizhal.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nizhal.demo.DemoApp.AddNote;
import dev.nizhal.domain.cursor.CursorCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * The JMH benchmarks compare like with like: each baseline gives the result of the path it stands beside, and the
 * build's annotation processor listed every benchmark (without its list, JMH runs nothing). Nothing here times
 * anything.
 */
class JmhBenchmarksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAnnotationProcessorListsEveryBenchmarkMethod() throws IOException {
        List<BenchmarkListEntry> listed;
        try (InputStream in = getClass().getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
            assertThat(in)
                    .as("META-INF/BenchmarkList, written by jmh-generator-annprocess")
                    .isNotNull();
            listed = BenchmarkList.readBenchmarkList(in);
        }
        Set<String> expected = new TreeSet<>();
        for (Class<?> c :
                List.of(PullResponseWriterBenchmark.class, CursorCodecBenchmark.class, PushBodyBenchmark.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) {
                    expected.add(c.getName() + "." + m.getName());
                }
            }
        }
        assertThat(expected).hasSize(11);
        // the names JMH itself reads from the list, as its Main matches them against a run's include pattern
        assertThat(listed.stream().map(BenchmarkListEntry::getUsername)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void thePullWritersBaselinesWriteTheSameValues() throws IOException {
        PullResponseWriterBenchmark benchmark = new PullResponseWriterBenchmark();
        benchmark.response = PullResponseWriterBenchmark.page(50);

        ByteArrayOutputStream writer = new ByteArrayOutputStream();
        dev.nizhal.adapters.jaxrs.internal.ResponseWriter.pull(benchmark.response, writer);
        ByteArrayOutputStream streaming = new ByteArrayOutputStream();
        try (var json = JSON.createGenerator(streaming)) {
            PullResponseWriterBenchmark.streaming(json, benchmark.response);
        }
        JsonNode written = JSON.readTree(writer.toByteArray());
        assertThat(written.get("changes")).hasSize(50);
        assertThat(written.get("changes").get(49).get("row").get("id").asText()).isEqualTo("bulk-50");
        assertThat(JSON.readTree(streaming.toByteArray())).isEqualTo(written);

        // databind writes the record's components: the same values, with no "op" and no null lastMutationId dropped
        JsonNode databind = JSON.readTree(JSON.writeValueAsBytes(benchmark.response));
        for (int i = 0; i < 50; i++) {
            ObjectNode change = ((ObjectNode) written.get("changes").get(i)).deepCopy();
            change.remove("op");
            assertThat(databind.get("changes").get(i)).isEqualTo(change);
        }
        assertThat(databind.get("cursor")).isEqualTo(written.get("cursor"));

        // each benchmark method writes a whole page to its sink and counts it
        benchmark.setUp();
        assertThat(Stream.of(benchmark.responseWriter(), benchmark.baselineStreaming(), benchmark.baselineDatabind()))
                .allSatisfy(bytes -> assertThat(bytes).isGreaterThan(5_000L * 100));
    }

    @Test
    void theCursorBenchmarksSealAndOpenTheSameLengths() throws GeneralSecurityException {
        CursorCodecBenchmark benchmark = new CursorCodecBenchmark();
        benchmark.setUp();
        assertThat(benchmark.verify()).isInstanceOf(CursorCheck.Valid.class);
        assertThat(benchmark.baselineSeal()).hasSameSizeAs(benchmark.encode());
        assertThat(benchmark.baselineOpen()).isNotEmpty();
    }

    @Test
    void thePushBaselineBindsTheSameArgs() throws IOException {
        PushBodyBenchmark benchmark = new PushBodyBenchmark();
        benchmark.setUp();
        List<AddNote> checked = benchmark.push();
        assertThat(checked).hasSize(PushBodyBenchmark.MUTATIONS);
        assertThat(benchmark.baselineBind().mutations().stream()
                        .map(PushBodyBenchmark.PlainMutation::args)
                        .toList())
                .isEqualTo(checked);
        assertThat(benchmark.args()).isEqualTo(checked);
        assertThat(benchmark.envelope().mutations()).hasSize(PushBodyBenchmark.MUTATIONS);
    }
}
