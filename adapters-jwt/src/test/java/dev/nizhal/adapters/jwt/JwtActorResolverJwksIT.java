package dev.nizhal.adapters.jwt;

import static dev.nizhal.adapters.jwt.Tokens.NOW;
import static dev.nizhal.adapters.jwt.Tokens.assertRefused;
import static dev.nizhal.adapters.jwt.Tokens.claims;
import static dev.nizhal.adapters.jwt.Tokens.es256;
import static dev.nizhal.adapters.jwt.Tokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver with RS256 and ES256 keys from a JWKS endpoint on a loopback port: acceptance, key rotation, the bound
 * on refreshes, fetch limits, and the attacks that put keys or key URLs into the token.
 */
class JwtActorResolverJwksIT {
    private static final String AUDIENCE = "nizhal";
    private static final String ISS = "https://idp.example/";

    /** Long enough that no window opens again during a test, so every count below is exact. */
    private static final JwksFetchPolicy POLICY = new JwksFetchPolicy(
            Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(2), 64 * 1024, 8);

    private static final RSAKey RSA = Tokens.rsaKey("rsa-1");
    private static final RSAKey RSA_NEXT = Tokens.rsaKey("rsa-2");
    private static final ECKey EC = Tokens.ecKey("ec-1");
    private static final RSAKey ATTACKER = Tokens.rsaKey("attacker");

    private JwksServer idp;
    private JwksServer attacker;
    private JwtActorResolver resolver;

    @BeforeEach
    void start() {
        idp = new JwksServer(RSA, EC);
        attacker = new JwksServer(ATTACKER);
        resolver = resolver(idp.url(), POLICY);
    }

    @AfterEach
    void stop() {
        idp.close();
        attacker.close();
    }

    private static JwtActorResolver resolver(URI jwks, JwksFetchPolicy policy) {
        KeySource keys = new KeySource.JwksUrl(jwks, Set.of(SigningAlgorithm.RS256, SigningAlgorithm.ES256), policy);
        Issuer issuer = Issuer.builder(keys).issuer(ISS).audience(AUDIENCE).build();
        return new JwtActorResolver(JwtConfig.of(issuer), () -> NOW);
    }

    private static JWTClaimsSet.Builder good(String subject) {
        return claims(subject).issuer(ISS).audience(AUDIENCE);
    }

    @Test
    void accepts_rs256_and_es256_tokens_with_keys_from_the_jwks_url_fetched_once() {
        assertThat(resolver.resolve("Bearer " + rs256(RSA, good("u1").build())).id())
                .isEqualTo("u1");
        assertThat(resolver.resolve("Bearer " + es256(EC, good("u2").build())).id())
                .isEqualTo("u2");
        assertThat(resolver.resolve("Bearer " + rs256(RSA, good("u3").build())).id())
                .isEqualTo("u3");

        assertThat(idp.hits()).as("the key set is cached").isEqualTo(1);
    }

    @Test
    void accepts_a_token_without_kid_by_trying_the_keys_of_its_algorithm() {
        String token = Tokens.sign(new JWSHeader(JWSAlgorithm.RS256), good("u1").build(), Tokens.signer(RSA));

        assertThat(resolver.resolve(token).id()).isEqualTo("u1");
    }

    @Test
    void picks_up_a_rotated_key_with_one_refresh() {
        assertThat(resolver.resolve(rs256(RSA, good("u1").build())).id()).isEqualTo("u1");
        idp.serve(RSA_NEXT, RSA, EC);

        assertThat(resolver.resolve(rs256(RSA_NEXT, good("u2").build())).id()).isEqualTo("u2");
        assertThat(resolver.resolve(rs256(RSA_NEXT, good("u3").build())).id()).isEqualTo("u3");

        assertThat(idp.hits()).isEqualTo(2);
    }

    @Test
    void an_unknown_kid_hammered_100_times_reaches_the_jwks_server_a_bounded_number_of_times() {
        RSAKey unknown = Tokens.rsaKey("nobody-knows-me");
        String token = rs256(unknown, good("u1").build());

        for (int i = 0; i < 100; i++) {
            assertRefused(resolver, token);
        }

        // the initial load and one refresh in the rate-limit window, then no more
        assertThat(idp.hits()).isBetween(1, 2);
        // known keys keep working from the cache meanwhile
        assertThat(resolver.resolve(rs256(RSA, good("u1").build())).id()).isEqualTo("u1");
        assertThat(idp.hits()).isLessThanOrEqualTo(2);
    }

    @Test
    void a_rotation_right_after_the_hammering_waits_for_the_rate_limit_window() {
        RSAKey unknown = Tokens.rsaKey("nobody-knows-me");
        for (int i = 0; i < 10; i++) {
            assertRefused(resolver, rs256(unknown, good("u1").build()));
        }
        idp.serve(RSA_NEXT, RSA, EC);

        // the window's refreshes are used up: the new key is refused until it opens again (minutes here)
        assertRefused(resolver, rs256(RSA_NEXT, good("u2").build()));
        assertThat(idp.hits()).isEqualTo(2);
    }

    @Test
    void refuses_a_forged_signature() {
        String forged = Tokens.sign(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(RSA.getKeyID()).build(),
                good("admin").build(),
                Tokens.signer(ATTACKER));

        assertRefused(resolver, forged);
    }

    @Test
    void refuses_a_wrong_or_missing_audience() {
        assertRefused(resolver, rs256(RSA, good("u1").audience("another-app").build()));
        assertRefused(resolver, rs256(RSA, claims("u1").issuer(ISS).build()));
        assertThat(resolver.resolve(rs256(
                                RSA, good("u1").audience(List.of("x", AUDIENCE)).build()))
                        .id())
                .isEqualTo("u1");
    }

    @Test
    void refuses_a_wrong_or_missing_issuer() {
        assertRefused(
                resolver, rs256(RSA, good("u1").issuer("https://evil.example/").build()));
        assertRefused(resolver, rs256(RSA, claims("u1").audience(AUDIENCE).build()));
    }

    @Test
    void refuses_expired_and_subjectless_tokens() {
        assertRefused(
                resolver,
                rs256(
                        RSA,
                        good("u1")
                                .expirationTime(Date.from(NOW.minusSeconds(61)))
                                .build()));
        assertRefused(resolver, es256(EC, good("u1").subject(null).build()));
    }

    @Test
    void refuses_an_hs256_token_signed_with_the_rs256_public_key() throws Exception {
        // the classic algorithm confusion: the public key (which anyone can fetch) used as an HMAC secret
        JWSHeader hs256 =
                new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(RSA.getKeyID()).build();
        byte[] der = RSA.toRSAPublicKey().getEncoded();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.encode(der) + "\n-----END PUBLIC KEY-----\n";
        byte[] jwkJson = RSA.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);

        for (byte[] secret : List.of(der, pem.getBytes(StandardCharsets.US_ASCII), jwkJson)) {
            assertRefused(resolver, Tokens.sign(hs256, good("admin").build(), Tokens.mac(secret)));
        }
    }

    @Test
    void ignores_a_jku_header_and_never_contacts_the_url_it_names() {
        JWTClaimsSet admin = good("admin").build();
        for (String kid : List.of(ATTACKER.getKeyID(), RSA.getKeyID())) {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID(kid)
                    .jwkURL(attacker.url())
                    .build();
            assertRefused(resolver, Tokens.sign(header, admin, Tokens.signer(ATTACKER)));
        }
        JWSHeader x5u = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(ATTACKER.getKeyID())
                .x509CertURL(attacker.url())
                .build();
        assertRefused(resolver, Tokens.sign(x5u, admin, Tokens.signer(ATTACKER)));

        assertThat(attacker.hits()).isZero();
    }

    @Test
    void ignores_an_embedded_jwk_header() {
        JWTClaimsSet admin = good("admin").build();
        for (String kid : List.of(ATTACKER.getKeyID(), RSA.getKeyID())) {
            JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID(kid)
                    .jwk(ATTACKER.toPublicJWK())
                    .build();
            assertRefused(resolver, Tokens.sign(header, admin, Tokens.signer(ATTACKER)));
        }
        JWSHeader noKid = new JWSHeader.Builder(JWSAlgorithm.RS256)
                .jwk(ATTACKER.toPublicJWK())
                .build();
        assertRefused(resolver, Tokens.sign(noKid, admin, Tokens.signer(ATTACKER)));
    }

    @Test
    void refuses_a_key_set_with_more_keys_than_the_limit() {
        List<JWK> many = new ArrayList<>(List.of(RSA));
        for (int i = 0; i < POLICY.maxKeys(); i++) {
            many.add(Tokens.ecKey("filler-" + i));
        }
        idp.serve(many.toArray(JWK[]::new));

        assertRefused(resolver, rs256(RSA, good("u1").build()));

        idp.serve(many.subList(0, POLICY.maxKeys()).toArray(JWK[]::new));
        JwtActorResolver fresh = resolver(idp.url(), POLICY);
        assertThat(fresh.resolve(rs256(RSA, good("u1").build())).id()).isEqualTo("u1");
    }

    @Test
    void refuses_a_key_set_larger_than_the_byte_limit() {
        JwksFetchPolicy small = new JwksFetchPolicy(
                Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(2), 512, 8);

        assertRefused(resolver(idp.url(), small), rs256(RSA, good("u1").build()));
    }

    @Test
    void refuses_a_response_that_is_not_a_key_set() {
        idp.serveRaw("<html>maintenance</html>");

        assertRefused(resolver, rs256(RSA, good("u1").build()));
    }

    @Test
    void gives_up_on_a_jwks_server_that_does_not_answer_within_the_timeouts() {
        idp.stall();
        JwksFetchPolicy impatient = new JwksFetchPolicy(
                Duration.ofMinutes(10),
                Duration.ofMinutes(5),
                Duration.ofMillis(500),
                Duration.ofMillis(300),
                64 * 1024,
                8);
        long start = System.nanoTime();

        assertRefused(resolver(idp.url(), impatient), rs256(RSA, good("u1").build()));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(idp.hits()).isBetween(1, 2);
    }

    @Test
    void refuses_tokens_while_the_jwks_server_is_down() {
        URI gone = idp.url();
        idp.close();

        assertRefused(resolver(gone, POLICY), rs256(RSA, good("u1").build()));
    }
}
