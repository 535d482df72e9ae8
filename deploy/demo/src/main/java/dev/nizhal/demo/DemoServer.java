package dev.nizhal.demo;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.server.NizhalServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.sql.DataSource;

/**
 * The one-command demo: an embedded PostgreSQL whose data survives restarts (in {@code .nizhal-demo/} under the
 * working directory), the demo apps' tables, Nizhal migrated, and the server on {@code http://localhost:4000}
 * (override with {@code NIZHAL_PORT}). Prints development tokens for two users, signed with an HS256 secret kept in
 * the data folder.
 */
public final class DemoServer {
    private DemoServer() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Path home = Path.of(System.getenv().getOrDefault("NIZHAL_DEMO_HOME", ".nizhal-demo"))
                .toAbsolutePath();
        Files.createDirectories(home);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(home.resolve("postgres"))
                .setCleanDataDirectory(false)
                .start();
        DataSource dataSource = postgres.getPostgresDatabase();
        DemoApp.createSchema(dataSource);

        byte[] cursorKey = secret(home.resolve("cursor.key"));
        Issuer issuer = Issuer.builder(new KeySource.HmacSecret(secret(home.resolve("jwt.secret"))))
                .issuer("nizhal-demo")
                .audience("nizhal-demo")
                .build();
        Nizhal nizhal = Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(DemoApp.rules())
                .mutators(DemoApp.mutators())
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(cursorKey)
                .build();
        nizhal.migrate();
        int port = Integer.parseInt(System.getenv().getOrDefault("NIZHAL_PORT", "4000"));
        HmacTokenIssuer tokens = new HmacTokenIssuer(issuer, Instant::now);
        NizhalServer server = DemoWeb.install(
                        NizhalServer.builder(nizhal, new JwtActorResolver(JwtConfig.of(issuer)))
                                .port(port),
                        tokens)
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));

        System.out.printf(
                """

                Nizhal demo on %s (data in %s), ready in %.1f s
                  the notes page: %s (its log-in buttons exist only in the demo)
                  alice's token (12 h): %s
                  bob's token   (12 h): %s
                Try:
                  curl -s %ssync/pull -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \\
                    -d '{"syncRule":"myNotes","clientId":"c-alice"}'
                Stop with Ctrl+C.
                """,
                server.uri(),
                home,
                (System.nanoTime() - started) / 1e9,
                server.uri(),
                tokens.sign("alice", Duration.ofHours(12)),
                tokens.sign("bob", Duration.ofHours(12)),
                server.uri());
    }

    /** A 32-byte secret kept in a file of the data folder, generated on first start. */
    private static byte[] secret(Path file) throws IOException {
        if (Files.exists(file)) {
            return Base64.getDecoder().decode(Files.readString(file).trim());
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.writeString(file, Base64.getEncoder().encodeToString(secret));
        return secret;
    }
}
