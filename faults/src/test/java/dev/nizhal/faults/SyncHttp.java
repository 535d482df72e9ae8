package dev.nizhal.faults;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The sync endpoints over real HTTP (JDK {@link HttpClient}, Jackson), as a client sees them: every call ends in an
 * {@link Answer}, a transport failure (refused, reset, timed out) included, so callers never lose a failure.
 */
final class SyncHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    SyncHttp(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    URI base() {
        return base;
    }

    /** What came back: an HTTP status with its JSON body, or the transport failure. */
    sealed interface Answer {
        /** The error code of an error body, or {@code null}. */
        default String errorCode() {
            return this instanceof Http h && h.body().path("error").hasNonNull("code")
                    ? h.body().path("error").path("code").asText()
                    : null;
        }
    }

    /** An HTTP answer; {@code body} is a missing node when it was not JSON. */
    record Http(int status, JsonNode body, String text) implements Answer {}

    /** No HTTP answer: connection refused or reset, timeout. */
    record Failed(Throwable cause) implements Answer {}

    /** POSTs {@code body} to {@code path} (e.g. {@code sync/push}); completes with an {@link Answer}, never fails. */
    CompletableFuture<Answer> post(String path, String token, JsonNode body) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .<Answer>thenApply(response -> new Http(response.statusCode(), parse(response.body()), response.body()))
                .exceptionally(Failed::new);
    }

    /** The same, waiting for the answer. */
    Answer postAndWait(String path, String token, JsonNode body) {
        try {
            return post(path, token, body).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed(e);
        } catch (java.util.concurrent.ExecutionException e) {
            return new Failed(e.getCause());
        }
    }

    /** GET {@code path}; the status, or -1 when nothing answered. */
    int status(String path) {
        try {
            return http.send(
                            HttpRequest.newBuilder(base.resolve(path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node == null ? JSON.missingNode() : node;
        } catch (JsonProcessingException e) {
            return JSON.missingNode();
        }
    }
}
