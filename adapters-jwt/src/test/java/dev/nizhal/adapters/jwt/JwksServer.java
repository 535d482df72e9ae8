package dev.nizhal.adapters.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A JWKS endpoint on a loopback port (JDK HTTP server), serving the public parts of the keys it is given and counting
 * the requests it gets. {@link #stall()} makes it accept requests without answering until it is closed (a hung
 * identity provider).
 */
final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    private final AtomicReference<String> body = new AtomicReference<>("{\"keys\":[]}");
    private final AtomicInteger hits = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean stalled;

    JwksServer(JWK... keys) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        serve(keys);
        server.createContext("/jwks.json", exchange -> {
            hits.incrementAndGet();
            try (exchange) {
                if (stalled) {
                    closed.await();
                    return;
                }
                byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // a few threads, so a stalled request does not block the next one
        server.setExecutor(threads);
        server.start();
    }

    /** From now on, the endpoint serves these keys (public parts only, as a real one does). */
    void serve(JWK... keys) {
        body.set(new JWKSet(List.of(keys)).toPublicJWKSet().toString());
    }

    /** From now on, the endpoint serves this body. */
    void serveRaw(String json) {
        body.set(json);
    }

    void stall() {
        stalled = true;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    int hits() {
        return hits.get();
    }

    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
