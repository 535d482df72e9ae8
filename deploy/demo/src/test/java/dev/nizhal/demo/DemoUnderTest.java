package dev.nizhal.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.server.NizhalServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

/** The demo's wiring as DemoServer does it (apps, migrate, JWT, the page and its login), on a free port. */
final class DemoUnderTest implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final NizhalServer server;
    final HmacTokenIssuer tokens;
    final TestDatabase database;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    DemoUnderTest(TestDatabase database) {
        this.database = database;
        DemoApp.createSchema(database.dataSource());
        byte[] cursorKey = new byte[32];
        new SecureRandom().nextBytes(cursorKey);
        Nizhal nizhal = Nizhal.builder()
                .dataSource(database.dataSource())
                .syncRules(DemoApp.rules())
                .mutators(DemoApp.mutators())
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(cursorKey)
                .build();
        nizhal.migrate();
        Issuer issuer = Issuer.builder(KeySource.HmacSecret.generate())
                .issuer("nizhal-demo")
                .audience("nizhal-demo")
                .build();
        tokens = new HmacTokenIssuer(issuer, Instant::now);
        server = DemoWeb.install(
                        NizhalServer.builder(nizhal, new JwtActorResolver(JwtConfig.of(issuer)))
                                .host("127.0.0.1")
                                .port(0),
                        tokens)
                .start();
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    record Reply(int status, String contentType, String body) {
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
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
        http.close();
    }
}
