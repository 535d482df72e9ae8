package dev.nizhal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} with the embedded PostgreSQL in a data folder: health and a push and pull over HTTP, a stop, and a
 * restart on the same folder that still has the data, the cursor key and the token secret.
 */
class CliServeIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private NizhalCli.Serving serving;

    @AfterEach
    void stop() {
        if (serving != null) {
            serving.stop();
        }
    }

    private NizhalCli.Serving serve() {
        AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
        int exit = NizhalCli.create()
                .environment(Map.of())
                .out(new PrintWriter(out, true))
                .err(new PrintWriter(err, true))
                .onServing(started::set)
                .execute(
                        "serve",
                        "--app",
                        TestApps.Notes.class.getName(),
                        "--data-dir",
                        dataDir.toString(),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0",
                        "--jwt-issuer",
                        "cli-test");
        assertThat(exit).as(err.toString()).isZero();
        assertThat(started.get()).isNotNull();
        return started.get();
    }

    private static HttpResponse<String> post(URI base, String path, String token, String body)
            throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesAndKeepsItsDataAndKeysAcrossARestart() throws Exception {
        serving = serve();
        URI base = serving.uri();
        assertThat(out.toString())
                .contains("serving " + TestApps.Notes.class.getName())
                .contains(base.toString());
        assertThat(Files.exists(dataDir.resolve("postgres"))).isTrue();
        assertThat(Files.exists(dataDir.resolve("cursor.key"))).isTrue();
        assertThat(Files.exists(dataDir.resolve("jwt.secret"))).isTrue();

        HttpResponse<String> health = HTTP.send(
                HttpRequest.newBuilder(base.resolve("nizhal/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);

        String token = new HmacTokenIssuer(serving.issuer(), Instant::now).sign("alice", Duration.ofHours(1));
        HttpResponse<String> push = post(
                base,
                "sync/push",
                token,
                "{\"clientId\":\"c-1\",\"mutations\":[{\"id\":1,\"name\":\"addNote\",\"args\":{\"id\":\"n1\",\"body\":\"kept\"}}]}");
        assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
        HttpResponse<String> pull = post(base, "sync/pull", token, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\"}");
        assertThat(pull.statusCode()).as(pull.body()).isEqualTo(200);
        assertThat(pull.body()).contains("\"kept\"");
        JsonNode first = JSON.readTree(pull.body());
        String resume = "{\"syncRule\":\"myNotes\",\"clientId\":\"c-1\",\"cursor\":" + first.get("cursor")
                + ",\"held\":" + first.get("loadedBuckets") + "}";

        serving.stop();
        serving = null;

        // the same folder again: the note, the token's secret and the cursor key are still there
        serving = serve();
        HttpResponse<String> again =
                post(serving.uri(), "sync/pull", token, "{\"syncRule\":\"myNotes\",\"clientId\":\"c-2\"}");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(again.body()).contains("\"kept\"");
        // a cursor signed before the restart is still good: the key was kept, so nothing resets
        HttpResponse<String> resumed = post(serving.uri(), "sync/pull", token, resume);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        assertThat(JSON.readTree(resumed.body()).get("reset").asBoolean())
                .as(resumed.body())
                .isFalse();
    }
}
