package dev.nizhal.server;

import static dev.nizhal.server.StreamClient.assertClosedWith;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.server.cli.NizhalCli;
import dev.nizhal.server.cli.TestApps;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits of {@code nizhal serve} as configured, over real HTTP and a real WebSocket (embedded PostgreSQL): the
 * requests per actor per second from the environment, the burst and the sockets per actor from the config file.
 */
class ServeLimitsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String PULL = "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}";

    @TempDir
    Path dataDir;

    private final StringWriter err = new StringWriter();
    private NizhalCli.Serving serving;

    @AfterEach
    void stop() {
        if (serving != null) {
            serving.stop();
        }
    }

    private NizhalCli.Serving serve(Map<String, String> environment, String... flags) {
        AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
        String[] args = new String[flags.length + 9];
        System.arraycopy(
                new String[] {
                    "serve",
                    "--app",
                    TestApps.Notes.class.getName(),
                    "--data-dir",
                    dataDir.resolve("data").toString(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0"
                },
                0,
                args,
                0,
                9);
        System.arraycopy(flags, 0, args, 9, flags.length);
        int exit = NizhalCli.create()
                .environment(environment)
                .out(new PrintWriter(new StringWriter(), true))
                .err(new PrintWriter(err, true))
                .onServing(started::set)
                .execute(args);
        assertThat(exit).as(err.toString()).isZero();
        return started.get();
    }

    private String token(String actor) {
        return new HmacTokenIssuer(serving.issuer(), Instant::now).sign(actor, Duration.ofHours(1));
    }

    private HttpResponse<String> pull(String token) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(serving.uri().resolve("sync/pull"))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(PULL))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theConfiguredRateBurstAndSocketLimitAreHonouredPerActor() throws Exception {
        Path config = dataDir.resolve("nizhal.properties");
        Files.writeString(config, "limit.requests.burst=5\nlimit.sockets.per.actor=1\n");
        serving = serve(Map.of("NIZHAL_LIMIT_REQUESTS_PER_SECOND", "5"), "--config", config.toString());
        String alice = token("alice");

        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> allowed = pull(alice);
            assertThat(allowed.statusCode())
                    .as("pull %d of the burst: %s", i, allowed.body())
                    .isEqualTo(200);
        }
        // a bucket of 5 refilling at 5 a second: 30 more pulls would have to take 6 s for none to be refused
        HttpResponse<String> refused = null;
        for (int i = 0; i < 30 && refused == null; i++) {
            HttpResponse<String> answer = pull(alice);
            if (answer.statusCode() != 200) {
                refused = answer;
            }
        }
        assertThat(refused).as("a pull beyond the burst is refused").isNotNull();
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        long retryAfter =
                Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isGreaterThanOrEqualTo(1);
        assertThat(refused.headers().firstValue("Nizhal-Protocol")).hasValue("1");
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(error.get("retryable").asBoolean()).isTrue();
        assertThat(error.get("message").asText()).startsWith("too many requests from this actor; retry in");
        assertThat(error.get("correlationId").asText()).matches("[0-9a-f-]{36}");

        HttpResponse<String> bob = pull(token("bob"));
        assertThat(bob.statusCode())
                .as("another actor is not limited: %s", bob.body())
                .isEqualTo(200);

        // the wait the server asked for: then alice's bucket holds a request again
        TimeUnit.SECONDS.sleep(retryAfter);
        HttpResponse<String> again = pull(alice);
        assertThat(again.statusCode()).as("after Retry-After: %s", again.body()).isEqualTo(200);

        URI stream = URI.create("ws://127.0.0.1:" + serving.uri().getPort() + "/sync/stream");
        try (StreamClient first = StreamClient.ready(stream, alice, "myNotes");
                StreamClient second = StreamClient.connect(stream)) {
            second.send(StreamClient.hello(alice, "myNotes"));
            assertClosedWith(second.awaitClose(DEADLINE), 4429, "RATE_LIMITED");
            try (StreamClient other = StreamClient.ready(stream, token("bob"), "myNotes")) {
                assertThat(other.isOpen()).isTrue();
                assertThat(first.isOpen()).isTrue();
            }
        }
    }
}
