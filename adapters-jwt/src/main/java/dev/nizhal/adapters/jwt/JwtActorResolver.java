package dev.nizhal.adapters.jwt;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.util.DateUtils;
import dev.nizhal.adapters.jwt.internal.BearerToken;
import dev.nizhal.adapters.jwt.internal.ClaimValues;
import dev.nizhal.adapters.jwt.internal.IssuerVerifier;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.Clock;
import java.lang.System.Logger.Level;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ActorResolver} for JWT bearer tokens (signed JWS, compact form), on Nimbus JOSE + JWT.
 *
 * <p><b>Input</b>: the {@code Authorization} header value {@code Bearer <token>} (the scheme in any case) or the bare
 * token. Another scheme, extra words, a blank or {@code null} value, or a token longer than {@value #MAX_TOKEN_CHARS}
 * characters is refused.
 *
 * <p><b>Verification</b>, per configured {@link Issuer}:
 *
 * <ul>
 *   <li>the signature, with the issuer's own keys and only with the algorithms its {@link KeySource} is pinned to: the
 *       token's {@code alg} never chooses, {@code none} (an unsecured JWT) is refused, and an {@code HS256} token is
 *       never checked against a public key (the algorithm-confusion attack);
 *   <li>{@code jku}, {@code x5u}, {@code x5c} and embedded {@code jwk} headers are ignored: no URL in a token is ever
 *       fetched, no key in a token is ever trusted;
 *   <li>{@code exp} is required; {@code exp} and {@code nbf} are checked against the injected {@link Clock} with
 *       {@link #CLOCK_SKEW} of tolerance;
 *   <li>{@code sub} is required and must not be blank; {@code aud} is required and must name a configured audience
 *       when the issuer has audiences (always for a JWKS); {@code iss} must equal the configured value when there is
 *       one;
 *   <li>{@code sub}, every claim name and every text in the claims is text PostgreSQL can hold: no U+0000, no
 *       unpaired surrogate ({@link Actor#storable()}).
 * </ul>
 *
 * <p><b>Result</b>: an {@link Actor} whose id is the {@code sub} with one issuer, or {@code iss + "|" + sub} with
 * several ({@link #ACTOR_ID_SEPARATOR}; configured issuers cannot contain it, so the id splits at its first {@code |}),
 * and whose claims are all claims of the verified token as plain Java values (String, Long, Double, BigDecimal,
 * Boolean, List, Map; {@code exp}/{@code nbf}/{@code iat} as epoch seconds).
 *
 * <p><b>Failure</b>: always a {@link SyncException} with {@link SyncErrorCode#UNAUTHENTICATED} and the message {@code
 * UNAUTHENTICATED}, whatever went wrong, so a client learns nothing about why. The reason goes to the {@code
 * System.Logger} of this class at {@code DEBUG}, never the token itself; a JWKS endpoint that cannot be fetched is
 * logged at {@code WARNING} (an operator's problem, not the client's).
 *
 * <p><b>Verified tokens are remembered</b> for {@link #REMEMBERED_FOR} (at most {@value #REMEMBERED_TOKENS} tokens of
 * at most {@value #REMEMBERED_TOKEN_CHARS} characters), since a client sends the same token with every request: a
 * remembered token is not parsed and its signature is not checked again, but its {@code exp} and {@code nbf} are, on
 * the injected clock and with the same skew, at every use. So a token's time window is enforced as without the
 * memory; what it delays is a key's removal from a JWKS by up to {@link #REMEMBERED_FOR} (Nimbus caches the key set
 * itself for {@link JwksFetchPolicy#cacheTimeToLive()}). Only tokens that passed every check are remembered, keyed by
 * their exact text.
 *
 * <p>Thread-safe; build one per configuration and share it. The JWKS cache, its rate limit and the memory of verified
 * tokens run on the system clock (Nimbus's; {@link System#nanoTime()}); only the token time checks use the injected
 * {@link Clock}.
 */
public final class JwtActorResolver implements ActorResolver {
    /** Between issuer and subject in actor ids when several issuers are configured. */
    public static final String ACTOR_ID_SEPARATOR = "|";

    /** Tolerance for {@code exp} and {@code nbf}, for clocks of issuer and server that disagree a little. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** The longest token accepted, in characters; real tokens are a few KiB at most. */
    public static final int MAX_TOKEN_CHARS = 16 * 1024;

    /** The message of every refusal: the client learns nothing else. */
    static final String MESSAGE = SyncErrorCode.UNAUTHENTICATED.name();

    /** How long a verified token is remembered before it is verified again in full. */
    public static final Duration REMEMBERED_FOR = Duration.ofSeconds(60);

    /** How many verified tokens are remembered at most; when full, all are forgotten at once. */
    static final int REMEMBERED_TOKENS = 4096;

    /** Longer tokens are verified at every use (so the memory holds at most about 16 MiB of tokens). */
    static final int REMEMBERED_TOKEN_CHARS = 4096;

    private static final System.Logger LOG = System.getLogger(JwtActorResolver.class.getName());

    /** Reasons in the log are cut to this length: a nimbus message may quote parts of a header. */
    private static final int MAX_REASON_CHARS = 200;

    private final boolean severalIssuers;
    private final IssuerVerifier single;
    private final Map<String, IssuerVerifier> byIssuer;
    private final Clock clock;
    private final long skewSeconds;

    /** A verified token's actor and time window, and when it was verified ({@link System#nanoTime()}). */
    private record Verified(Actor actor, Date expires, Date notBefore, long verifiedAt) {}

    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /** A resolver on the system clock. */
    public JwtActorResolver(JwtConfig config) {
        this(config, Instant::now);
    }

    /**
     * A resolver whose {@code exp}/{@code nbf} checks use {@code clock}.
     *
     * @throws IllegalArgumentException when a JWKS URL is not a valid URL
     */
    public JwtActorResolver(JwtConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        int skewSeconds = (int) CLOCK_SKEW.toSeconds();
        this.clock = clock;
        this.skewSeconds = skewSeconds;
        this.severalIssuers = config.severalIssuers();
        Map<String, IssuerVerifier> verifiers = new LinkedHashMap<>();
        IssuerVerifier first = null;
        for (Issuer issuer : config.issuers()) {
            IssuerVerifier verifier = IssuerVerifier.of(issuer, skewSeconds, clock);
            first = first == null ? verifier : first;
            if (issuer.issuer() != null) {
                verifiers.put(issuer.issuer(), verifier);
            }
        }
        this.single = first;
        this.byIssuer = Map.copyOf(verifiers);
    }

    @Override
    public Actor resolve(String credentials) {
        String token = BearerToken.from(credentials, MAX_TOKEN_CHARS)
                .orElseThrow(() -> refused("no well-formed bearer token in the credentials", null));
        Verified known = verified.get(token);
        if (known != null && System.nanoTime() - known.verifiedAt() < REMEMBERED_FOR.toNanos()) {
            // the signature and the claims were checked; the time window is checked at every use
            Date now = Date.from(clock.now());
            if (!DateUtils.isAfter(known.expires(), now, skewSeconds)) {
                throw refused("expired", null);
            }
            if (known.notBefore() != null && !DateUtils.isBefore(known.notBefore(), now, skewSeconds)) {
                throw refused("not yet valid", null);
            }
            return known.actor();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet claims = verifierFor(jwt).verify(jwt);
            String subject = claims.getSubject();
            if (subject == null || subject.isBlank()) {
                throw refused("blank sub", null);
            }
            if (!(jwt.getPayload().toJSONObject().get(JWTClaimNames.SUBJECT) instanceof String)) {
                // Nimbus turns a numeric sub into text for interop; RFC 7519 says a string, and 1e20 would be
                // "1.0E20": an id that nobody issued
                throw refused("sub is not a JSON string", null);
            }
            String id = severalIssuers ? claims.getIssuer() + ACTOR_ID_SEPARATOR + subject : subject;
            Actor actor = new Actor(id, ClaimValues.of(claims));
            if (!actor.storable()) {
                // PostgreSQL could not store or compare it: refused here rather than failing the request later
                throw refused("sub or a claim holds U+0000 or an unpaired surrogate", null);
            }
            remember(token, actor, claims);
            return actor;
        } catch (SyncException e) {
            throw e;
        } catch (RateLimitReachedException e) {
            throw refused("unknown key, and the JWKS was refreshed too recently to look again", e);
        } catch (KeySourceException e) {
            LOG.log(Level.WARNING, () -> "the JWKS could not be fetched: " + printable(e.getMessage()));
            throw refused("keys unavailable", e);
        } catch (Exception e) {
            // ParseException, BadJOSEException, JOSEException and whatever a malformed token provokes in a parser
            throw refused("invalid token", e);
        }
    }

    /** Remembers a token that passed every check (exp is required, so it has one). */
    private void remember(String token, Actor actor, JWTClaimsSet claims) {
        if (token.length() > REMEMBERED_TOKEN_CHARS) {
            return;
        }
        if (verified.size() >= REMEMBERED_TOKENS) {
            verified.clear();
        }
        verified.put(
                token, new Verified(actor, claims.getExpirationTime(), claims.getNotBeforeTime(), System.nanoTime()));
    }

    /** The issuer's verifier: the only one with one issuer, else the one the (still unverified) {@code iss} names. */
    private IssuerVerifier verifierFor(SignedJWT jwt) throws ParseException {
        if (!severalIssuers) {
            return single;
        }
        // routing only: the chosen verifier checks the signature with this issuer's keys, and iss again
        String issuer = jwt.getJWTClaimsSet().getIssuer();
        IssuerVerifier verifier = issuer == null ? null : byIssuer.get(issuer);
        if (verifier == null) {
            throw refused("unknown or missing iss", null);
        }
        return verifier;
    }

    private static SyncException refused(String reason, Exception cause) {
        LOG.log(
                Level.DEBUG,
                () -> "bearer token refused: " + reason
                        + (cause == null
                                ? ""
                                : " (" + cause.getClass().getSimpleName() + ": " + printable(cause.getMessage())
                                        + ")"));
        // no cause attached: whoever logs this exception must not log token details by accident
        return new SyncException(SyncErrorCode.UNAUTHENTICATED, MESSAGE);
    }

    private static String printable(String message) {
        if (message == null) {
            return "";
        }
        String oneLine = message.replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() <= MAX_REASON_CHARS ? oneLine : oneLine.substring(0, MAX_REASON_CHARS) + "...";
    }
}
