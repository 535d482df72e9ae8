package dev.nizhal.server.cli;

import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jwt.SigningAlgorithm;
import dev.nizhal.adapters.websocket.StreamSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The settings of {@code serve}: where to listen, the cursor key and how bearer tokens are verified. */
final class ServeOptions {
    static final String DEFAULT_PORT = "4000";

    @Option(
            names = "--port",
            descriptionKey = "port",
            paramLabel = "<port>",
            defaultValue = DEFAULT_PORT,
            description = "HTTP port; 0 picks a free one. Default 4000. Env NIZHAL_PORT.")
    int port;

    @Option(
            names = "--host",
            descriptionKey = "host",
            paramLabel = "<host>",
            description = "Interface to listen on; every interface unless set. Env NIZHAL_HOST.")
    String host;

    @Option(
            names = "--admin-console",
            descriptionKey = "admin.console",
            paramLabel = "<true|false>",
            arity = "0..1",
            fallbackValue = "true",
            defaultValue = "false",
            description = "Serves the admin console under /admin: operators sign in at /admin-login with a token from"
                    + " `nizhal admin-token`. Off unless set. Env NIZHAL_ADMIN_CONSOLE.")
    boolean adminConsole;

    @Option(
            names = "--retention-days",
            descriptionKey = "retention.days",
            paramLabel = "<days>",
            defaultValue = "7",
            description = "How long the change log keeps entries: older ones are trimmed every hour, and a client"
                    + " that was away longer resets. Default 7. Env NIZHAL_RETENTION_DAYS.")
    int retentionDays;

    @Option(
            names = "--cursor-key",
            descriptionKey = "cursor.key",
            paramLabel = "<base64>",
            converter = Base64Key.Converter.class,
            description = "Key that seals cursors (base64, 32+ bytes), the same on every instance; kept in the data"
                    + " folder with the embedded PostgreSQL, required with --jdbc-url. Env NIZHAL_CURSOR_KEY.")
    Base64Key cursorKey;

    @Option(
            names = "--jwt-secret",
            descriptionKey = "jwt.secret",
            paramLabel = "<base64>",
            converter = Base64Key.Converter.class,
            description = "HS256 secret of the bearer tokens (base64, 32+ bytes). Env NIZHAL_JWT_SECRET.")
    Base64Key jwtSecret;

    @Option(
            names = "--jwt-jwks-url",
            descriptionKey = "jwt.jwks.url",
            paramLabel = "<url>",
            description = "JWKS endpoint of the token issuer (https). Env NIZHAL_JWT_JWKS_URL.")
    URI jwksUrl;

    @Option(
            names = "--jwt-jwks-file",
            descriptionKey = "jwt.jwks.file",
            paramLabel = "<file>",
            description = "JWKS file of the token issuer. Env NIZHAL_JWT_JWKS_FILE.")
    Path jwksFile;

    @Option(
            names = "--jwt-algorithms",
            descriptionKey = "jwt.algorithms",
            paramLabel = "<alg>",
            split = ",",
            defaultValue = "RS256",
            description = "Algorithms accepted with a JWKS: RS256, ES256. Default RS256. Env NIZHAL_JWT_ALGORITHMS.")
    List<SigningAlgorithm> jwtAlgorithms;

    @Option(
            names = "--jwt-issuer",
            descriptionKey = "jwt.issuer",
            paramLabel = "<iss>",
            description = "Expected iss claim; not checked unless set. Env NIZHAL_JWT_ISSUER.")
    String jwtIssuer;

    @Option(
            names = "--jwt-audience",
            descriptionKey = "jwt.audience",
            paramLabel = "<aud>",
            split = ",",
            description = "Accepted aud values (required with a JWKS). Env NIZHAL_JWT_AUDIENCE.")
    List<String> jwtAudiences;

    @Option(
            names = "--limit-requests-per-second",
            descriptionKey = "limit.requests.per.second",
            paramLabel = "<n>",
            defaultValue = "" + RequestRate.DEFAULT_PER_SECOND,
            description = "Pulls and pushes one actor may make per second on this instance; beyond, 429"
                    + " RATE_LIMITED with Retry-After. 0: no limit. Default " + RequestRate.DEFAULT_PER_SECOND
                    + ". Env NIZHAL_LIMIT_REQUESTS_PER_SECOND.")
    int limitRequestsPerSecond;

    @Option(
            names = "--limit-requests-burst",
            descriptionKey = "limit.requests.burst",
            paramLabel = "<n>",
            description = "Requests one actor may make at once before its rate applies. Default twice"
                    + " --limit-requests-per-second. Env NIZHAL_LIMIT_REQUESTS_BURST.")
    Integer limitRequestsBurst;

    @Option(
            names = "--limit-concurrent-pulls",
            descriptionKey = "limit.concurrent.pulls",
            paramLabel = "<n>",
            defaultValue = "" + JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS,
            description = "Pulls this instance serves at once; one more is answered 429 RATE_LIMITED at once. 0: no"
                    + " limit. Default " + JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS
                    + ". Env NIZHAL_LIMIT_CONCURRENT_PULLS.")
    int limitConcurrentPulls;

    @Option(
            names = "--limit-sockets-per-actor",
            descriptionKey = "limit.sockets.per.actor",
            paramLabel = "<n>",
            defaultValue = "" + StreamSettings.DEFAULT_MAX_SOCKETS_PER_ACTOR,
            description = "Stream sockets one actor may have open on this instance; the hello of one more is closed"
                    + " with 4429 RATE_LIMITED. 0: no limit. Default " + StreamSettings.DEFAULT_MAX_SOCKETS_PER_ACTOR
                    + ". Env NIZHAL_LIMIT_SOCKETS_PER_ACTOR.")
    int limitSocketsPerActor;
}
