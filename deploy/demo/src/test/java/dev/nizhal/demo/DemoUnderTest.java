package dev.nizhal.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.server.NizhalServer;
import dev.nizhal.server.cli.NizhalCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The demo as {@code ./demo} runs it ({@code nizhal serve} of the demo apps with the web app and its login), on a free
 * port, the test's database instead of the embedded one and the web app's files from a folder of the test's.
 */
final class DemoUnderTest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One cursor key for every demo of the test run: instances on one database must share it (they check). */
    private static final byte[] CURSOR_KEY = random();

    private final NizhalCli.Serving serving;
    final NizhalServer server;
    final HmacTokenIssuer tokens;
    final TestDatabase database;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The demo on {@code database}, serving the web app from {@code web} (which may be missing). */
    DemoUnderTest(TestDatabase database, Path web) {
        this.database = database;
        Base64.Encoder base64 = Base64.getEncoder();
        AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
        int exit = DemoServer.cli(web)
                .onServing(started::set)
                .execute(DemoServer.serveArgs(
                        "--jdbc-url", database.jdbcUrl(),
                        "--jdbc-user", database.user(),
                        "--jdbc-password", database.password(),
                        "--cursor-key", base64.encodeToString(CURSOR_KEY),
                        "--jwt-secret", base64.encodeToString(random()),
                        "--host", "127.0.0.1",
                        "--port", "0"));
        if (exit != 0 || started.get() == null) {
            throw new IllegalStateException("the demo did not start: exit code " + exit);
        }
        serving = started.get();
        server = serving.server();
        tokens = new HmacTokenIssuer(serving.issuer(), Instant::now);
    }

    private static byte[] random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** The server's URI and {@code path} as written: no dot segment is removed, the server gets them as they are. */
    URI uri(String path) {
        return URI.create(server.uri() + path);
    }

    record Reply(int status, String contentType, String body, HttpHeaders headers) {
        /** The value of the header {@code name}, or null. */
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Reply post(String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null),
                    response.body(),
                    response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        serving.stop();
        http.close();
    }
}
