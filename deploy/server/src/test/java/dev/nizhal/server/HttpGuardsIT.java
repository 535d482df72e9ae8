package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The embedded server's guards at the HTTP level, with raw sockets for requests no HTTP client sends: TRACE refused on
 * every path (an application's servlets too), Jetty's own refusals (431, 505) as the protocol's error, and a header
 * limit that lets the longest accepted token through.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpGuardsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(2);

    private HikariDataSource pool;
    private NizhalServer server;

    /** An application page beside the endpoints: a plain HttpServlet, whose default doTrace echoes the request. */
    private static final class Page extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("page");
        }
    }

    @BeforeAll
    void start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = EmbeddedSeedServer.pool(database);
        Nizhal nizhal = SeedApp.engine(pool, true);
        server = NizhalServer.builder(nizhal, SeedApp.ACTORS)
                .host("127.0.0.1")
                .port(0)
                .servlet("/page", new Page())
                .bodyTimeout(BODY_TIMEOUT)
                .start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        pool.close();
    }

    /** A raw HTTP answer: status, headers (lower-case names) and body. */
    private record Answer(int status, Map<String, String> headers, String body) {
        JsonNode error() {
            try {
                JsonNode error = JSON.readTree(body).get("error");
                assertThat(error).as(body).isNotNull();
                assertThat(error.get("correlationId").asText()).matches("[0-9a-f-]{36}");
                return error;
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    private Answer raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static Answer parse(String response) {
        int end = response.indexOf("\r\n\r\n");
        assertThat(end).as("an HTTP answer: %s", response).isPositive();
        String[] lines = response.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        String body = response.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int line = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, line).trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(chunked, line + 2, line + 2 + size);
            at = line + 2 + size + 2;
        }
    }

    @Test
    void traceIsRefusedOnEveryPathAndEchoesNothing() throws IOException {
        for (String path : new String[] {"/page", "/sync/pull", "/nizhal/health", "/no/such/path"}) {
            Answer answer = raw("TRACE " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-token-42\r\n"
                    + "Connection: close\r\n\r\n");

            assertThat(answer.status()).as(path + ": " + answer).isEqualTo(405);
            assertThat(answer.headers()).containsEntry("nizhal-protocol", "1");
            assertThat(answer.error().get("code").asText()).isEqualTo("MALFORMED_REQUEST");
            assertThat(answer.body()).doesNotContain("secret-token-42", "TRACE");
        }
    }

    @Test
    void theLongestAcceptedTokenFitsInTheHeaderLimit() throws IOException {
        String token = "t".repeat(JwtActorResolver.MAX_TOKEN_CHARS);
        Answer answer = raw("POST /sync/pull HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");

        assertThat(answer.status())
                .as("the resolver, not the HTTP parser, refuses it: %s", answer)
                .isEqualTo(401);
        assertThat(answer.error().get("code").asText()).isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void headersOverTheLimitAre431InTheErrorFormat() throws IOException {
        String huge = "h".repeat(NizhalServer.MAX_REQUEST_HEADER_BYTES);
        Answer answer =
                raw("GET /nizhal/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + huge + "\r\nConnection: close\r\n\r\n");

        assertThat(answer.status()).as(answer.toString()).isEqualTo(431);
        assertThat(answer.headers()).containsEntry("nizhal-protocol", "1");
        assertThat(answer.headers().get("content-type")).startsWith("application/json");
        JsonNode error = answer.error();
        assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(error.get("message").asText()).contains("headers");
    }

    @Test
    void anUnsupportedHttpVersionIs505InTheErrorFormat() throws IOException {
        Answer answer = raw("GET /nizhal/health HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(answer.status()).as(answer.toString()).isEqualTo(505);
        assertThat(answer.headers()).containsEntry("nizhal-protocol", "1");
        assertThat(answer.headers().get("content-type")).startsWith("application/json");
        JsonNode error = answer.error();
        assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(error.get("message").asText()).contains("HTTP/1.1");
    }

    /**
     * A client that sends its headers, then its body a byte every 300 ms, restarts Jetty's idle timeout (30 s) with
     * every byte: the body deadline cuts it off, answers the protocol's 400 and frees the worker thread.
     */
    @Test
    void aBodyDribbledSlowerThanTheDeadlineIsCutOffWithA400() throws Exception {
        String body = "{\"syncRule\":\"myNotes\",\"clientId\":\"slow-c\"}" + " ".repeat(200);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(1);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /sync/pull HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + SeedApp.ALICE
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long started = System.nanoTime();
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[8192];
            int sent = 0;
            // a byte every 300 ms for at most 20 s (the whole body would take a minute), reading what comes back
            while (System.nanoTime() - started < Duration.ofSeconds(20).toNanos()) {
                try {
                    if (sent < body.length()) {
                        out.write(body.charAt(sent++));
                        out.flush();
                    }
                } catch (IOException closed) {
                    // the server answered and closed: the answer is in the socket's buffer
                }
                long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
                int n = 0;
                while (n != -1 && System.nanoTime() < until) {
                    try {
                        n = in.read(buffer);
                        if (n > 0) {
                            answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                        }
                    } catch (SocketTimeoutException nothingYet) {
                        n = 0;
                    } catch (IOException reset) {
                        n = -1;
                    }
                }
                if (n == -1 || answer.toString().contains("}}")) {
                    break;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(answer.toString())
                    .as("an answer while the body was still dribbling, after %s", took)
                    .startsWith("HTTP/1.1 400");
            assertThat(sent).as("bytes of the body sent").isLessThan(body.length());
            assertThat(took).isLessThan(BODY_TIMEOUT.plusSeconds(5));
            Answer parsed = parse(answer.toString());
            JsonNode error = parsed.error();
            assertThat(error.get("code").asText()).isEqualTo("MALFORMED_REQUEST");
            assertThat(error.get("message").asText()).contains("in time");
        }
    }
}
