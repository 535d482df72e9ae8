package dev.nizhal.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.adapters.jaxrs.internal.RequestReader;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.bench.PushMeasures;
import dev.nizhal.demo.DemoApp.AddNote;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * The push's work before the database, for a push of 100 of the demo's {@code addNote} mutations (the outbox drain's
 * batch; bench/README.md): the strict envelope reader ({@link RequestReader#push}: a tree, every value checked, each
 * mutation's args written back as JSON text), then per mutation what {@code PushMutationsService} does before its
 * transaction, the args' canonical form ({@code canonicalJson}, for replays) and the decode into the args record with
 * its Jakarta constraints checked ({@code decode}, Hibernate Validator). {@code push} is all of it; {@code
 * envelope} and {@code args} are its two parts.
 *
 * <p>Baseline: plain Jackson binding the same body into records in one pass ({@code baselineBind}: the envelope and
 * every mutation's {@code AddNote}, no checks beyond the types), the least a server must do to read it.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PushBodyBenchmark {
    /** Mutations in the push: the drain's batch. */
    static final int MUTATIONS = 100;

    /** The plain records a push binds to. */
    record PlainPush(String clientId, List<PlainMutation> mutations) {}

    /** One mutation, its args bound straight to the demo's record. */
    record PlainMutation(long id, String name, AddNote args) {}

    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final JacksonArgsCodec codec = new JacksonArgsCodec();
    byte[] body;
    private PushRequest parsed;

    @Setup
    public void setUp() {
        body = PushMeasures.pushBody("client-7f3a", 1_000_001, MUTATIONS).getBytes(StandardCharsets.UTF_8);
        parsed = RequestReader.push(body);
    }

    @Benchmark
    public List<AddNote> push() {
        return args(RequestReader.push(body));
    }

    @Benchmark
    public PushRequest envelope() {
        return RequestReader.push(body);
    }

    @Benchmark
    public List<AddNote> args() {
        return args(parsed);
    }

    @Benchmark
    public PlainPush baselineBind() throws IOException {
        return PLAIN.readValue(body, PlainPush.class);
    }

    /** Each mutation's args as the push service takes them: canonical form, then decoded and validated. */
    List<AddNote> args(PushRequest request) {
        List<AddNote> decoded = new ArrayList<>(request.mutations().size());
        for (MutationRequest m : request.mutations()) {
            String canonical = codec.canonicalJson(m.argsJson());
            decoded.add(codec.decode(AddNote.class, canonical));
        }
        return decoded;
    }
}
