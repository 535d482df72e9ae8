package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.domain.error.SyncErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A server under test seen from outside: its base URL for HTTP (JDK {@link HttpClient}) and its database's JDBC URL
 * for counting rows. Every answer is checked on arrival for what no answer may ever have: a missing {@code
 * Nizhal-Protocol: 1}, a body that names a Java class or package, SQL, or holds a stack trace, or a refusal (4xx, 5xx)
 * that is not the protocol's error JSON with a documented code.
 */
final class HttpTarget implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STACK_FRAME = Pattern.compile("\\bat [\\w$.]+\\([\\w$]+\\.java:\\d+\\)");

    /** Texts that never appear in a body (PROTOCOL.md: no stack trace, SQL text or class name). */
    static final List<String> FORBIDDEN = List.of("Exception", "java.", "org.", "SELECT", "insert into");

    private final URI base;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final HttpClient client;
    private Connection connection;

    HttpTarget(URI base, String jdbcUrl, String user, String password) {
        this.base = base;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** An answer, checked for leaks and the protocol header. */
    record Reply(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The {@code error} object of an error answer, checked for the fields every error has. */
        JsonNode error() {
            JsonNode error = json().get("error");
            assertThat(error).as("an error body: %s", body).isNotNull();
            assertThat(error.get("code").isTextual()).isTrue();
            assertThat(error.get("message").isTextual()).isTrue();
            assertThat(error.get("retryable").isBoolean()).isTrue();
            assertThat(error.get("correlationId").asText()).matches("[0-9a-f-]{36}");
            return error;
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    URI uri(String path) {
        return base.resolve(path);
    }

    Reply post(String path, String token, String body, String... headers) {
        return send(
                request(path, token, headers).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    Reply post(String path, String token, byte[] body, String... headers) {
        return send(request(path, token, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Reply get(String path, String token, String... headers) {
        return send(request(path, token, headers).GET());
    }

    HttpRequest.Builder request(String path, String token, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request;
    }

    Reply send(HttpRequest.Builder request) {
        try {
            HttpRequest built = request.build();
            HttpResponse<String> response;
            try {
                response = client.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException closed) {
                if (!String.valueOf(closed.getMessage()).contains("received no bytes")) {
                    throw closed;
                }
                // a kept-alive connection the server closed as the client sent on it (seen once in CI: the JDK client
                // retries such a request only when it is a GET); every request of these suites may be sent again (a
                // pull writes nothing, a push is idempotent), as a browser or the TypeScript client would
                response = client.send(built, HttpResponse.BodyHandlers.ofString());
            }
            Reply reply = new Reply(response.statusCode(), response.headers(), response.body());
            checkNoLeak(reply);
            checkRefusal(reply, response.uri().getPath());
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void checkNoLeak(Reply reply) {
        assertThat(reply.header("Nizhal-Protocol"))
                .as("Nizhal-Protocol of a %d answer", reply.status())
                .isEqualTo("1");
        assertThat(reply.body())
                .as("body of a %d answer", reply.status())
                .doesNotContain(FORBIDDEN.subList(0, 4).toArray(String[]::new));
        assertThat(reply.body().toLowerCase(Locale.ROOT)).doesNotContain(FORBIDDEN.get(4));
        assertThat(STACK_FRAME.matcher(reply.body()).find())
                .as("a stack frame in %s", reply.body())
                .isFalse();
    }

    /**
     * Every refusal (4xx, 5xx), the host's own too, is the protocol's error with a code of the documented table. The
     * health endpoint's 503 is its own body (PROTOCOL.md), not a refusal.
     */
    static void checkRefusal(Reply reply, String path) {
        if (reply.status() >= 400 && !path.endsWith("/nizhal/health")) {
            assertThat(REQUEST_CODES)
                    .as("the code of a %d answer: %s", reply.status(), reply.body())
                    .contains(reply.error().get("code").asText());
        }
    }

    /** The codes a whole request may be answered with (PROTOCOL.md's error table). */
    static final List<String> REQUEST_CODES = Arrays.stream(SyncErrorCode.values())
            .filter(code -> code.kind() == SyncErrorCode.Kind.REQUEST)
            .map(SyncErrorCode::name)
            .toList();

    /** The realtime stream's address: {@code ws://…/sync/stream}. */
    URI streamUri() {
        return URI.create("ws" + base.toString().substring("http".length())).resolve("sync/stream");
    }

    /** Runs {@code sql} (autocommit) on the target's database: a write from outside Nizhal. */
    synchronized void execute(String sql) {
        try {
            if (connection == null) {
                connection = DriverManager.getConnection(jdbcUrl, user, password);
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The single number {@code sql} selects, read (autocommit, so always the latest) on the target's database. */
    synchronized long count(String sql) {
        try {
            if (connection == null) {
                connection = DriverManager.getConnection(jdbcUrl, user, password);
            }
            try (Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery(sql)) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        client.close();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
