package dev.nizhal.jakarta;

import dev.nizhal.RetentionJobs;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.adapters.jwt.SigningAlgorithm;
import dev.nizhal.adapters.websocket.StreamSettings;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Nizhal's settings in a WAR, read through MicroProfile Config: the keys of the CLI's properties file with the prefix
 * {@code nizhal.}, so that MicroProfile's environment mapping gives the CLI's variables ({@code nizhal.cursor.key} is
 * also {@code NIZHAL_CURSOR_KEY}). The server owns the port, the interface and the database, which comes by JNDI.
 *
 * <p>A bad or missing value fails with a message that starts with the key and never shows a secret.
 *
 * @param dataSource the JNDI name of the {@code DataSource} ({@value #DATASOURCE}, default {@code jdbc/nizhal})
 * @param migrate whether the start migrates ({@value #MIGRATE}, default {@code true})
 * @param cursorKey the key that seals cursors ({@value #CURSOR_KEY}, required, the same on every instance)
 * @param issuer how bearer tokens are verified ({@code nizhal.jwt.*}); empty when the application brings its own
 *     {@code ActorResolver} bean, and then no {@code nizhal.jwt.*} key may be set
 * @param retention how long the change log keeps entries ({@value #RETENTION_DAYS}, default 7 days)
 * @param limits the requests per actor per second, the concurrent pulls and the sockets per actor ({@code
 *     nizhal.limit.*})
 */
public record NizhalSettings(
        String dataSource,
        boolean migrate,
        byte[] cursorKey,
        Optional<Issuer> issuer,
        Duration retention,
        Limits limits) {

    public static final String DATASOURCE = "nizhal.datasource";
    public static final String MIGRATE = "nizhal.migrate";
    public static final String CURSOR_KEY = "nizhal.cursor.key";
    public static final String JWT_SECRET = "nizhal.jwt.secret";
    public static final String JWT_JWKS_URL = "nizhal.jwt.jwks.url";
    public static final String JWT_JWKS_FILE = "nizhal.jwt.jwks.file";
    public static final String JWT_ALGORITHMS = "nizhal.jwt.algorithms";
    public static final String JWT_ISSUER = "nizhal.jwt.issuer";
    public static final String JWT_AUDIENCE = "nizhal.jwt.audience";
    public static final String RETENTION_DAYS = "nizhal.retention.days";
    public static final String ADMIN_CONSOLE = "nizhal.admin.console";
    public static final String LIMIT_REQUESTS_PER_SECOND = "nizhal.limit.requests.per.second";
    public static final String LIMIT_REQUESTS_BURST = "nizhal.limit.requests.burst";
    public static final String LIMIT_CONCURRENT_PULLS = "nizhal.limit.concurrent.pulls";
    public static final String LIMIT_SOCKETS_PER_ACTOR = "nizhal.limit.sockets.per.actor";
    public static final String TRANSACTIONS = "nizhal.transactions";

    /** The keys of the token verification, read only without an application's {@code ActorResolver} bean. */
    static final List<String> JWT_KEYS =
            List.of(JWT_SECRET, JWT_JWKS_URL, JWT_JWKS_FILE, JWT_ALGORITHMS, JWT_ISSUER, JWT_AUDIENCE);

    /** Every key read, in the order of docs/deploy.md. */
    public static final List<String> KEYS = List.of(
            DATASOURCE,
            MIGRATE,
            CURSOR_KEY,
            JWT_SECRET,
            JWT_JWKS_URL,
            JWT_JWKS_FILE,
            JWT_ALGORITHMS,
            JWT_ISSUER,
            JWT_AUDIENCE,
            RETENTION_DAYS,
            ADMIN_CONSOLE,
            LIMIT_REQUESTS_PER_SECOND,
            LIMIT_REQUESTS_BURST,
            LIMIT_CONCURRENT_PULLS,
            LIMIT_SOCKETS_PER_ACTOR,
            TRANSACTIONS);

    static final String DEFAULT_DATASOURCE = "jdbc/nizhal";
    private static final int MIN_KEY_BYTES = 32;

    public NizhalSettings {
        cursorKey = cursorKey.clone();
    }

    @Override
    public byte[] cursorKey() {
        return cursorKey.clone();
    }

    @Override
    public String toString() {
        return "NizhalSettings[dataSource=" + dataSource + ", migrate=" + migrate + ", cursorKey=" + cursorKey.length
                + " bytes, issuer=" + issuer.map(i -> "configured").orElse("the application's resolver")
                + ", retention=" + retention + ", limits=" + limits + "]";
    }

    /**
     * Reads the settings from {@code config} (a key to its value; blank counts as unset).
     *
     * @param needsIssuer whether tokens are verified by {@code nizhal.jwt.*} (no {@code ActorResolver} bean); without,
     *     a {@code nizhal.jwt.*} key that is set is refused
     * @throws IllegalArgumentException naming the first key that is missing or bad
     */
    public static NizhalSettings read(Function<String, Optional<String>> config, boolean needsIssuer) {
        Function<String, Optional<String>> values =
                key -> value(config, key).map(String::trim).filter(v -> !v.isEmpty());
        String dataSource = values.apply(DATASOURCE).orElse(DEFAULT_DATASOURCE);
        boolean migrate = bool(values, MIGRATE, true);
        byte[] cursorKey = key(
                CURSOR_KEY,
                values.apply(CURSOR_KEY)
                        .orElseThrow(() -> bad(
                                CURSOR_KEY,
                                "is required, the same on every instance (make one with: openssl rand -base64 32)")));
        Optional<Issuer> issuer;
        if (needsIssuer) {
            issuer = Optional.of(issuer(values));
        } else {
            // a token setting that would not be used: the operator expects a check that does not happen
            for (String key : JWT_KEYS) {
                if (values.apply(key).isPresent()) {
                    throw bad(
                            key,
                            "is set, but the application's ActorResolver bean verifies tokens: remove the setting"
                                    + " or the bean");
                }
            }
            issuer = Optional.empty();
        }
        Duration retention = values.apply(RETENTION_DAYS)
                .map(v -> {
                    try {
                        int days = Integer.parseInt(v);
                        if (days < 1) {
                            throw bad(RETENTION_DAYS, "is at least 1, was " + days);
                        }
                        return Duration.ofDays(days);
                    } catch (NumberFormatException e) {
                        throw bad(RETENTION_DAYS, "is a whole number of days, was " + v);
                    }
                })
                .orElse(RetentionJobs.DEFAULT_RETENTION);
        return new NizhalSettings(dataSource, migrate, cursorKey, issuer, retention, limits(config));
    }

    /**
     * The limits, each answered {@code RATE_LIMITED} when reached ({@code 0}: no limit).
     *
     * @param requestRate the pulls and pushes one actor may make per second on one instance, with a burst ({@value
     *     #LIMIT_REQUESTS_PER_SECOND}, default {@value RequestRate#DEFAULT_PER_SECOND}; {@value #LIMIT_REQUESTS_BURST},
     *     default twice the rate)
     * @param concurrentPulls the pulls one instance serves at once ({@value #LIMIT_CONCURRENT_PULLS}, default
     *     {@value JaxrsEndpoints#DEFAULT_MAX_CONCURRENT_PULLS}; {@link Integer#MAX_VALUE} for no limit)
     * @param socketsPerActor the stream sockets one actor may have open on one instance ({@value
     *     #LIMIT_SOCKETS_PER_ACTOR}, default {@value StreamSettings#DEFAULT_MAX_SOCKETS_PER_ACTOR}; {@link
     *     Integer#MAX_VALUE} for no limit)
     */
    public record Limits(RequestRate requestRate, int concurrentPulls, int socketsPerActor) {
        public static final Limits DEFAULTS = new Limits(
                RequestRate.DEFAULT,
                JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS,
                StreamSettings.DEFAULT_MAX_SOCKETS_PER_ACTOR);
    }

    /**
     * Reads the {@code nizhal.limit.*} keys: read when the web application starts, since the HTTP endpoints are made
     * then, and again by the engine's start.
     *
     * @throws IllegalArgumentException naming the first key whose value is not a whole number in its range
     */
    public static Limits limits(Function<String, Optional<String>> config) {
        Function<String, Optional<String>> values =
                key -> value(config, key).map(String::trim).filter(v -> !v.isEmpty());
        int perSecond = count(values, LIMIT_REQUESTS_PER_SECOND, RequestRate.DEFAULT_PER_SECOND, 0);
        Optional<String> burstText = values.apply(LIMIT_REQUESTS_BURST);
        Integer burst = burstText.isEmpty() ? null : count(values, LIMIT_REQUESTS_BURST, 0, 1);
        RequestRate rate = perSecond == 0
                ? RequestRate.UNLIMITED
                : burst == null ? RequestRate.of(perSecond) : new RequestRate(perSecond, burst);
        int pulls = count(values, LIMIT_CONCURRENT_PULLS, JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS, 0);
        int sockets = count(values, LIMIT_SOCKETS_PER_ACTOR, StreamSettings.DEFAULT_MAX_SOCKETS_PER_ACTOR, 0);
        return new Limits(rate, pulls == 0 ? Integer.MAX_VALUE : pulls, sockets == 0 ? Integer.MAX_VALUE : sockets);
    }

    private static int count(Function<String, Optional<String>> values, String key, int otherwise, int least) {
        String range = least == 0 ? "is a whole number, at least 0 (0: no limit)" : "is a whole number, at least 1";
        return values.apply(key)
                .map(v -> {
                    int n;
                    try {
                        n = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw bad(key, range + ", was " + v);
                    }
                    if (n < least) {
                        throw bad(key, range + ", was " + n);
                    }
                    return n;
                })
                .orElse(otherwise);
    }

    /**
     * Whether the admin console is served ({@value #ADMIN_CONSOLE}, default {@code false}): read when the web
     * application starts, since its servlet is mounted then, and again by the engine's start.
     *
     * @throws IllegalArgumentException naming the key when its value is neither true nor false
     */
    public static boolean adminConsole(Function<String, Optional<String>> config) {
        return bool(key -> value(config, key).map(String::trim).filter(v -> !v.isEmpty()), ADMIN_CONSOLE, false);
    }

    /**
     * Whether each push's transaction is the server's JTA transaction ({@value #TRANSACTIONS} {@code = jta}) rather
     * than a local one that Nizhal commits itself ({@code local}, the default): with JTA a mutator's JPA {@code
     * EntityManager} writes in the same transaction as the journal entry.
     *
     * @throws IllegalArgumentException naming the key when its value is neither local nor jta
     */
    public static boolean jta(Function<String, Optional<String>> config) {
        return value(config, TRANSACTIONS)
                .map(v -> v.trim().toLowerCase(Locale.ROOT))
                .filter(v -> !v.isEmpty())
                .map(v -> switch (v) {
                    case "local" -> false;
                    case "jta" -> true;
                    default -> throw bad(TRANSACTIONS, "is local or jta, was " + v);
                })
                .orElse(false);
    }

    private static boolean bool(Function<String, Optional<String>> values, String key, boolean otherwise) {
        return values.apply(key)
                .map(v -> switch (v.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw bad(key, "is true or false, was " + v);
                })
                .orElse(otherwise);
    }

    /** {@code key} from {@code config}; a configuration that cannot give it (an unresolvable expression) is bad. */
    private static Optional<String> value(Function<String, Optional<String>> config, String key) {
        try {
            return config.apply(key);
        } catch (RuntimeException e) {
            // not the configuration's own words: they may quote the value
            throw bad(
                    key,
                    "cannot be read from the configuration (" + e.getClass().getSimpleName()
                            + "; an expression naming a property that is not set?)");
        }
    }

    private static Issuer issuer(Function<String, Optional<String>> values) {
        Optional<String> secret = values.apply(JWT_SECRET);
        Optional<String> url = values.apply(JWT_JWKS_URL);
        Optional<String> file = values.apply(JWT_JWKS_FILE);
        long given =
                List.of(secret, url, file).stream().filter(Optional::isPresent).count();
        if (given == 0) {
            throw bad(
                    JWT_SECRET,
                    "(or " + JWT_JWKS_URL + " or " + JWT_JWKS_FILE + ") is required: tokens need a verifier");
        }
        if (given > 1) {
            throw bad(JWT_SECRET, "give one of " + JWT_SECRET + ", " + JWT_JWKS_URL + " and " + JWT_JWKS_FILE);
        }
        SigningAlgorithm[] algorithms = algorithms(values.apply(JWT_ALGORITHMS).orElse("RS256"));
        byte[] hmac = secret.map(text -> key(JWT_SECRET, text)).orElse(null);
        KeySource keys;
        try {
            if (hmac != null) {
                keys = KeySource.hmacSecret(hmac);
            } else if (url.isPresent()) {
                keys = KeySource.jwksUrl(uri(url.get()), algorithms);
            } else {
                keys = KeySource.jwksFile(Path.of(file.get()), algorithms);
            }
        } catch (IllegalArgumentException | UncheckedIOException e) {
            String key = secret.isPresent() ? JWT_SECRET : url.isPresent() ? JWT_JWKS_URL : JWT_JWKS_FILE;
            throw bad(key, e.getMessage());
        }
        Issuer.Builder issuer = Issuer.builder(keys);
        values.apply(JWT_ISSUER).ifPresent(issuer::issuer);
        values.apply(JWT_AUDIENCE).ifPresent(a -> issuer.audience(split(a).toArray(String[]::new)));
        try {
            return issuer.build();
        } catch (IllegalArgumentException e) {
            throw bad(url.isPresent() || file.isPresent() ? JWT_AUDIENCE : JWT_SECRET, e.getMessage());
        }
    }

    /** The JWKS URL; never echoed when malformed, since a URL may hold credentials. */
    private static URI uri(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            // the caller puts the key first
            throw new IllegalArgumentException("is not a valid URL (the value is not shown: it may hold credentials)");
        }
    }

    private static SigningAlgorithm[] algorithms(String text) {
        List<SigningAlgorithm> algorithms = new ArrayList<>();
        for (String name : split(text)) {
            try {
                algorithms.add(SigningAlgorithm.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw bad(JWT_ALGORITHMS, "holds RS256 and/or ES256, was " + text);
            }
        }
        return algorithms.toArray(SigningAlgorithm[]::new);
    }

    private static List<String> split(String text) {
        return List.of(text.split(",")).stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static byte[] key(String key, String text) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw bad(key, "is not valid base64 (the value is not shown)");
        }
        if (bytes.length < MIN_KEY_BYTES) {
            throw bad(
                    key,
                    "needs base64 of at least " + MIN_KEY_BYTES + " bytes, has " + bytes.length
                            + " (make one with: openssl rand -base64 32)");
        }
        return bytes;
    }

    private static IllegalArgumentException bad(String key, String problem) {
        return new IllegalArgumentException(key + " " + problem);
    }
}
