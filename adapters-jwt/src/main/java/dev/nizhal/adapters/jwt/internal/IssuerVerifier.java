package dev.nizhal.adapters.jwt.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwksFetchPolicy;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.adapters.jwt.SigningAlgorithm;
import dev.nizhal.ports.out.Clock;
import java.net.MalformedURLException;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the tokens of one configured {@link Issuer}: Nimbus's {@link DefaultJWTProcessor} with a key selector
 * bound to the issuer's own key source and pinned algorithms. Keys are never taken from the token: {@code jku},
 * {@code x5u}, {@code x5c} and an embedded {@code jwk} are not read (a header {@code kid} only picks among the
 * configured keys). Then the claims: {@code exp} (required) and {@code nbf} with the given clock skew, {@code sub}
 * required, {@code aud} when audiences are configured, {@code iss} when configured.
 */
public final class IssuerVerifier {
    /** Access tokens may say so in {@code typ} (RFC 9068); no {@code typ} at all is the common case. */
    private static final JOSEObjectType[] ACCEPTED_TYPES = {JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null};

    private final DefaultJWTProcessor<SecurityContext> processor;

    private IssuerVerifier(DefaultJWTProcessor<SecurityContext> processor) {
        this.processor = processor;
    }

    /** A verifier of the tokens of {@code issuer}; a JWKS URL is fetched lazily, on the first token. */
    public static IssuerVerifier of(Issuer issuer, int clockSkewSeconds, Clock clock) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(ACCEPTED_TYPES));
        processor.setJWSKeySelector(keySelector(issuer.keys()));

        Set<String> required = new HashSet<>(Set.of(JWTClaimNames.SUBJECT, JWTClaimNames.EXPIRATION_TIME));
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (issuer.issuer() != null) {
            required.add(JWTClaimNames.ISSUER);
            exact.issuer(issuer.issuer());
        }
        Set<String> audiences = null; // Nimbus: null means "audience not checked"
        if (!issuer.audiences().isEmpty()) {
            required.add(JWTClaimNames.AUDIENCE);
            audiences = issuer.audiences();
        }
        processor.setJWTClaimsSetVerifier(
                new ClockedClaimsVerifier(audiences, exact.build(), required, clockSkewSeconds, clock));
        return new IssuerVerifier(processor);
    }

    /** The verified claims of {@code token}. */
    public JWTClaimsSet verify(SignedJWT token) throws BadJOSEException, JOSEException {
        return processor.process(token, null);
    }

    private static JWSKeySelector<SecurityContext> keySelector(KeySource keys) {
        return switch (keys) {
            case KeySource.HmacSecret hmac ->
                // one key, one algorithm: a header can neither pick another key nor another algorithm
                new SingleKeyJWSKeySelector<>(JWSAlgorithm.HS256, new SecretKeySpec(hmac.secret(), "HmacSHA256"));
            case KeySource.JwksUrl url -> new JWSVerificationKeySelector<>(nimbus(url.algorithms()), remote(url));
            case KeySource.JwksDocument document ->
                new JWSVerificationKeySelector<>(
                        nimbus(document.algorithms()), new ImmutableJWKSet<>(document.publicKeys()));
        };
    }

    private static JWKSource<SecurityContext> remote(KeySource.JwksUrl url) {
        JwksFetchPolicy policy = url.fetchPolicy();
        DefaultResourceRetriever http = new DefaultResourceRetriever(
                (int) policy.connectTimeout().toMillis(),
                (int) policy.readTimeout().toMillis(),
                policy.maxBytes());
        URLBasedJWKSetSource<SecurityContext> fetched;
        try {
            fetched = new URLBasedJWKSetSource<>(url.url().toURL(), http);
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWKS URL is not a valid URL", e);
        }
        long fetchMillis = policy.connectTimeout().plus(policy.readTimeout()).toMillis();
        return JWKSourceBuilder.create(new BoundedJwkSetSource(fetched, policy.maxKeys()))
                // how long other threads wait for one thread's fetch: as long as that fetch may take
                .cache(policy.cacheTimeToLive().toMillis(), fetchMillis + 1_000)
                // no background refresh threads: a key set is fetched only on behalf of a request
                .refreshAheadCache(false)
                .rateLimited(policy.minRefreshInterval().toMillis())
                .retrying(false)
                .outageTolerant(false)
                .build();
    }

    private static Set<JWSAlgorithm> nimbus(Set<SigningAlgorithm> algorithms) {
        return algorithms.stream().map(a -> JWSAlgorithm.parse(a.name())).collect(Collectors.toUnmodifiableSet());
    }
}
