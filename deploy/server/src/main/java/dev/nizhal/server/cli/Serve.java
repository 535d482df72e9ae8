package dev.nizhal.server.cli;

import dev.nizhal.CursorKeyMismatchException;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.adapters.jwt.SigningAlgorithm;
import dev.nizhal.adapters.websocket.StreamSettings;
import dev.nizhal.server.NizhalApp;
import dev.nizhal.server.NizhalServer;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/** {@code nizhal serve}: prepare, migrate, then the HTTP server until the process is stopped. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Prepares the app, migrates, then serves the sync endpoints over HTTP and the realtime stream"
                    + " (/sync/stream) until stopped (Ctrl+C or SIGTERM stop it gracefully)."
        })
final class Serve extends Commands.Subcommand {
    static final String CURSOR_KEY_FILE = "cursor.key";
    static final String JWT_SECRET_FILE = "jwt.secret";

    @Mixin
    ServeOptions serve;

    Serve(NizhalCli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        NizhalApp app = app();
        checkKeysAreConfigured();
        if (serve.retentionDays < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--retention-days is at least 1, was " + serve.retentionDays);
        }
        RequestRate requestRate = requestRate();
        int concurrentPulls = orNoLimit("--limit-concurrent-pulls", serve.limitConcurrentPulls);
        int socketsPerActor = orNoLimit("--limit-sockets-per-actor", serve.limitSocketsPerActor);
        Database db = Database.open(database);
        NizhalServer server = null;
        try {
            byte[] cursorKey = serve.cursorKey != null
                    ? serve.cursorKey.bytes()
                    : KeptSecret.in(dataDir().resolve(CURSOR_KEY_FILE));
            Issuer issuer = issuer(serve, dataDir(), spec);
            app.prepare(db.dataSource());
            Nizhal nizhal = Engine.buildOrFail(app, db.dataSource(), cursorKey, serve.adminConsole);
            nizhal.migrate();
            checkCursorKey(nizhal);
            NizhalServer.Builder builder = NizhalServer.builder(nizhal, new JwtActorResolver(JwtConfig.of(issuer)))
                    .port(serve.port);
            if (serve.host != null) {
                builder.host(serve.host);
            }
            builder.retention(Duration.ofDays(serve.retentionDays));
            builder.requestRate(requestRate);
            builder.maxConcurrentPulls(concurrentPulls);
            builder.stream(StreamSettings.DEFAULTS.withMaxSocketsPerActor(socketsPerActor));
            builder.adminConsole(serve.adminConsole);
            app.configure(builder);
            cli.beforeStart(builder, issuer);
            server = builder.start();
            NizhalCli.Serving serving = new NizhalCli.Serving(server, nizhal, dataDir(), issuer, db);
            out().println("nizhal: serving " + app.getClass().getName() + " on " + server.uri() + " with "
                    + db.description() + "; stop with Ctrl+C");
            if (serve.adminConsole) {
                out().println("nizhal: the admin console is at " + server.uri() + "admin/ (sign in at " + server.uri()
                        + "admin-login with a token from `nizhal admin-token --name <you>`)");
            }
            out().flush();
            cli.started(serving);
            return 0;
        } catch (RuntimeException e) {
            // nothing keeps running after a failure: the server (if it started) stops before its database closes
            if (server != null) {
                server.stop();
            }
            db.close();
            throw e;
        }
    }

    /** {@code --limit-requests-per-second} and {@code --limit-requests-burst}: 0 requests per second is no limit. */
    private RequestRate requestRate() {
        int perSecond = serve.limitRequestsPerSecond;
        if (perSecond < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--limit-requests-per-second is at least 0 (0: no limit), was " + perSecond);
        }
        if (serve.limitRequestsBurst != null && serve.limitRequestsBurst < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--limit-requests-burst is at least 1, was " + serve.limitRequestsBurst);
        }
        if (perSecond == 0) {
            return RequestRate.UNLIMITED;
        }
        return serve.limitRequestsBurst == null
                ? RequestRate.of(perSecond)
                : new RequestRate(perSecond, serve.limitRequestsBurst);
    }

    /** A count limit of at least 1, or 0 for none. */
    private int orNoLimit(String option, int value) {
        if (value < 0) {
            throw new ParameterException(spec.commandLine(), option + " is at least 0 (0: no limit), was " + value);
        }
        return value == 0 ? Integer.MAX_VALUE : value;
    }

    /** Refuses, as a bad setting, a cursor key other than the one the other instances of the database sign with. */
    private void checkCursorKey(Nizhal nizhal) {
        try {
            nizhal.checkCursorKey();
        } catch (CursorKeyMismatchException e) {
            String setting = serve.cursorKey != null
                    ? "--cursor-key (NIZHAL_CURSOR_KEY, cursor.key)"
                    : "the cursor key kept in " + dataDir().resolve(CURSOR_KEY_FILE);
            throw new ParameterException(spec.commandLine(), setting + ": " + e.getMessage());
        }
    }

    private java.nio.file.Path dataDir() {
        return database.dataDirectory();
    }

    /**
     * Fails before anything starts when a key would otherwise be generated for a database that other instances may
     * share: their cursors and tokens must verify everywhere.
     */
    private void checkKeysAreConfigured() {
        long sources = Stream.of(serve.jwtSecret, serve.jwksUrl, serve.jwksFile)
                .filter(s -> s != null)
                .count();
        if (sources > 1) {
            throw new ParameterException(
                    spec.commandLine(), "give one of --jwt-secret, --jwt-jwks-url and --jwt-jwks-file, not several");
        }
        if (database.jdbcUrl == null) {
            return; // the embedded database: keys are kept in its data folder
        }
        if (serve.cursorKey == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "with --jdbc-url a cursor key is required, the same on every instance: set --cursor-key,"
                            + " NIZHAL_CURSOR_KEY or cursor.key (make one with: openssl rand -base64 32)");
        }
        if (sources == 0) {
            throw new ParameterException(
                    spec.commandLine(),
                    "with --jdbc-url tokens need a verifier: set --jwt-secret, --jwt-jwks-url or --jwt-jwks-file");
        }
    }

    /** The token settings of {@code serve} (and of {@code admin-token}, which signs with the same secret). */
    static Issuer issuer(ServeOptions serve, java.nio.file.Path dataDir, picocli.CommandLine.Model.CommandSpec spec) {
        SigningAlgorithm[] algorithms = serve.jwtAlgorithms.toArray(SigningAlgorithm[]::new);
        // a kept secret that cannot be read or written is a failure (1) like a bad cursor key file, not a usage error
        byte[] kept = serve.jwtSecret == null && serve.jwksUrl == null && serve.jwksFile == null
                ? KeptSecret.in(dataDir.resolve(JWT_SECRET_FILE))
                : null;
        try {
            KeySource keys;
            if (kept != null) {
                keys = KeySource.hmacSecret(kept);
            } else if (serve.jwtSecret != null) {
                keys = KeySource.hmacSecret(serve.jwtSecret.bytes());
            } else if (serve.jwksUrl != null) {
                keys = KeySource.jwksUrl(serve.jwksUrl, algorithms);
            } else {
                keys = KeySource.jwksFile(serve.jwksFile, algorithms);
            }
            Issuer.Builder issuer = Issuer.builder(keys);
            if (serve.jwtIssuer != null) {
                issuer.issuer(serve.jwtIssuer);
            }
            if (serve.jwtAudiences != null) {
                issuer.audience(serve.jwtAudiences.toArray(String[]::new));
            }
            return issuer.build();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ParameterException(spec.commandLine(), "token verification: " + e.getMessage());
        }
    }
}
