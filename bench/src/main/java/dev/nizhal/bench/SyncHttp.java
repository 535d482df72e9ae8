package dev.nizhal.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The load driver's HTTP side: the JDK's client, HTTP/1.1 with kept-alive connections, as a browser would. */
final class SyncHttp implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    /** The body of a 200 answer to a JSON POST; anything else fails the run. */
    String post(URI uri, String token, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "POST " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /**
     * A 200 answer to a JSON POST, its body read as it arrives (a streaming client's parser works while the server is
     * still writing); anything else fails the run. The caller reads the stream to its end and closes it, which returns
     * the connection to the client's pool.
     */
    InputStream postStream(URI uri, String token, String body) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String answer;
            try (InputStream in = response.body()) {
                answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            throw new IllegalStateException("POST " + uri + " answered " + response.statusCode() + ": " + answer);
        }
        return response.body();
    }

    /**
     * {@link #postStream} on another thread: the request is sent now (on a connection of its own while another
     * response is still being read) and its answer taken later.
     */
    CompletableFuture<InputStream> postStreamAhead(URI uri, String token, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return postStream(uri, token, body);
            } catch (IOException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        });
    }

    /** Closes a response's stream that nobody reads, which lets its connection go. */
    static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // nothing is read from it
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
