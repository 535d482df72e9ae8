package dev.nizhal.bench;

import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.demo.DemoNizhalApp;
import dev.nizhal.server.cli.NizhalCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

/** The demo apps served as {@code nizhal serve} serves them (embedded Jetty, the engine), on a bench database. */
final class BenchServer implements AutoCloseable {
    static final String ISSUER = "nizhal-bench";

    private final NizhalCli.Serving serving;
    private final HmacTokenIssuer tokens;

    private BenchServer(NizhalCli.Serving serving) {
        this.serving = serving;
        this.tokens = new HmacTokenIssuer(serving.issuer(), Instant::now);
    }

    static BenchServer start(BenchDatabase database) {
        Base64.Encoder base64 = Base64.getEncoder();
        AtomicReference<NizhalCli.Serving> started = new AtomicReference<>();
        StringWriter errors = new StringWriter();
        int exit = NizhalCli.create()
                .err(new PrintWriter(errors, true))
                .onServing(started::set)
                .execute(
                        "serve",
                        "--app",
                        DemoNizhalApp.class.getName(),
                        "--jdbc-url",
                        database.jdbcUrl(),
                        "--cursor-key",
                        base64.encodeToString(random()),
                        "--jwt-secret",
                        base64.encodeToString(random()),
                        "--jwt-issuer",
                        ISSUER,
                        "--jwt-audience",
                        ISSUER,
                        // the benchmarks measure the engine: one actor makes far more requests than the default rate
                        "--limit-requests-per-second",
                        "0",
                        "--limit-concurrent-pulls",
                        "0",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0");
        if (exit != 0 || started.get() == null) {
            throw new IllegalStateException("the server did not start (exit code " + exit + "): " + errors);
        }
        return new BenchServer(started.get());
    }

    private static byte[] random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    URI uri(String path) {
        return serving.uri().resolve(path);
    }

    /** A token of {@code user} for the length of a run. */
    String token(String user) {
        return tokens.sign(user, Duration.ofHours(2));
    }

    @Override
    public void close() {
        serving.stop();
    }
}
