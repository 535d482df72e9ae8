package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.glassfish.tyrus.client.ClientManager;

/**
 * A real WebSocket client of the realtime stream (Tyrus on Grizzly), which answers pings by itself as browsers do,
 * and records every frame and the close.
 */
final class StreamClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    /** A client container of its own: Tyrus's shared one stops its timers between sockets, under its users' feet. */
    private final ClientManager client = ClientManager.createClient();

    private final Session session;

    private StreamClient(URI uri) {
        try {
            this.session = client.connectToServer(
                    new Endpoint() {
                        @Override
                        public void onOpen(Session session, EndpointConfig config) {
                            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                                try {
                                    frames.add(JSON.readTree(text));
                                } catch (IOException e) {
                                    frames.add(JSON.getNodeFactory().textNode("not JSON: " + text));
                                }
                            });
                        }

                        @Override
                        public void onClose(Session session, CloseReason reason) {
                            closed.complete(reason);
                        }
                    },
                    ClientEndpointConfig.Builder.create().build(),
                    uri);
        } catch (DeploymentException | IOException e) {
            throw new IllegalStateException("cannot connect to " + uri, e);
        }
    }

    static StreamClient connect(URI uri) {
        return new StreamClient(uri);
    }

    /** Connects, says hello for {@code rules} and waits for {@code ready}. */
    static StreamClient ready(URI uri, String token, String... rules) {
        StreamClient client = connect(uri);
        client.send(hello(token, rules));
        client.await(type("ready"), Duration.ofSeconds(20));
        return client;
    }

    static String hello(String token, String... rules) {
        StringBuilder names = new StringBuilder();
        for (String rule : rules) {
            names.append(names.isEmpty() ? "" : ",").append('"').append(rule).append('"');
        }
        return "{\"type\":\"hello\",\"token\":\"" + token + "\",\"syncRules\":[" + names + "]}";
    }

    static Predicate<JsonNode> type(String type) {
        return frame -> type.equals(frame.path("type").asText());
    }

    static Predicate<JsonNode> poke(String rule) {
        return frame -> "poke".equals(frame.path("type").asText())
                && rule.equals(frame.path("syncRule").asText());
    }

    void send(String text) {
        try {
            session.getBasicRemote().sendText(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (RejectedExecutionException e) {
            // the frame is written: Tyrus then re-arms an idle timer, which fails when the server's close (the answer
            // to that very frame) has already shut the client's timers down; what the server did is in the frames and
            // the close that the test checks next

        }
    }

    /** Waits for a frame matching {@code wanted}; frames before it are consumed. */
    JsonNode await(Predicate<JsonNode> wanted, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        List<JsonNode> seen = new ArrayList<>();
        try {
            while (true) {
                long left = end - System.nanoTime();
                JsonNode frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    throw new AssertionError("no such frame within " + deadline + "; saw " + seen + ", closed: "
                            + (closed.isDone() ? closed.getNow(null) : "no"));
                }
                if (wanted.test(frame)) {
                    return frame;
                }
                seen.add(frame);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The frames received so far (consumed), other than pings. */
    List<JsonNode> drain() {
        List<JsonNode> out = new ArrayList<>();
        frames.drainTo(out);
        out.removeIf(type("ping"));
        return out;
    }

    /** Waits for the server to close the socket. */
    CloseReason awaitClose(Duration deadline) {
        try {
            return closed.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the socket is still open after " + deadline);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    static void assertClosedWith(CloseReason reason, int code, String codeName) {
        assertThat(reason.getCloseCode().getCode()).as(reason.toString()).isEqualTo(code);
        assertThat(reason.getReasonPhrase()).startsWith(codeName);
    }

    boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void close() {
        try {
            if (session.isOpen()) {
                session.close();
            }
        } catch (IOException e) {
            // already gone
        } finally {
            client.shutdown();
        }
    }
}
