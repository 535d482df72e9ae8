package dev.nizhal.adapters.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.nizhal.ports.out.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Signs HS256 tokens that a {@link JwtActorResolver} configured with the same {@link Issuer} accepts: for the demo
 * (which prints dev tokens at start-up) and for tests. Not an identity provider: it signs whatever subject it is given.
 *
 * <pre>{@code
 * Issuer dev = Issuer.builder(KeySource.HmacSecret.generate()).build();
 * String token = new HmacTokenIssuer(dev, Instant::now).sign("u1", Duration.ofHours(8));
 * Actor actor = new JwtActorResolver(JwtConfig.of(dev)).resolve("Bearer " + token);
 * }</pre>
 *
 * A token carries {@code sub}, {@code iat}, {@code exp}, the issuer's {@code iss} when it has one, its audiences as
 * {@code aud} when it has any, and the extra claims given.
 */
public final class HmacTokenIssuer {
    /** Claims this class sets itself; extra claims may not replace them. */
    private static final Set<String> MANAGED_CLAIMS = Set.of(
            JWTClaimNames.SUBJECT,
            JWTClaimNames.ISSUED_AT,
            JWTClaimNames.EXPIRATION_TIME,
            JWTClaimNames.ISSUER,
            JWTClaimNames.AUDIENCE);

    private final Issuer issuer;
    private final MACSigner signer;
    private final Clock clock;

    /**
     * A signer for the tokens of {@code issuer}.
     *
     * @throws IllegalArgumentException when the issuer's keys are not an {@link KeySource.HmacSecret}
     */
    public HmacTokenIssuer(Issuer issuer, Clock clock) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!(issuer.keys() instanceof KeySource.HmacSecret hmac)) {
            throw new IllegalArgumentException("only an issuer with an HMAC secret can sign tokens here");
        }
        try {
            this.signer = new MACSigner(hmac.secret());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the HMAC secret cannot sign HS256", e);
        }
    }

    /** A token for {@code subject}, valid from now for {@code validFor}. */
    public String sign(String subject, Duration validFor) {
        return sign(subject, validFor, Map.of());
    }

    /**
     * A token for {@code subject}, valid from now for {@code validFor}, with {@code extraClaims} (JSON values: String,
     * Number, Boolean, List, Map).
     *
     * @throws IllegalArgumentException for a blank subject, a non-positive validity, or an extra claim that this class
     *     sets itself ({@code sub}, {@code iat}, {@code exp}, {@code iss}, {@code aud})
     */
    public String sign(String subject, Duration validFor, Map<String, ?> extraClaims) {
        Objects.requireNonNull(subject, "subject");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("the subject must not be blank");
        }
        if (validFor.isNegative() || validFor.isZero()) {
            throw new IllegalArgumentException("a token must be valid for a positive duration");
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        extraClaims.forEach((name, value) -> {
            if (MANAGED_CLAIMS.contains(name)) {
                throw new IllegalArgumentException("the claim " + name + " is set by the issuer itself");
            }
            claims.claim(name, value);
        });
        Instant now = clock.now();
        claims.subject(subject).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(validFor)));
        if (issuer.issuer() != null) {
            claims.issuer(issuer.issuer());
        }
        if (!issuer.audiences().isEmpty()) {
            claims.audience(List.copyOf(issuer.audiences()));
        }
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            // MACSigner was built with a valid secret for HS256: this does not happen
            throw new IllegalStateException("HS256 signing failed", e);
        }
        return jwt.serialize();
    }
}
