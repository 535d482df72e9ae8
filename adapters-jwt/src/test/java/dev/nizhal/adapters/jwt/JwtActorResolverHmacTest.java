package dev.nizhal.adapters.jwt;

import static dev.nizhal.adapters.jwt.Tokens.NOW;
import static dev.nizhal.adapters.jwt.Tokens.SECRET;
import static dev.nizhal.adapters.jwt.Tokens.assertRefused;
import static dev.nizhal.adapters.jwt.Tokens.b64;
import static dev.nizhal.adapters.jwt.Tokens.claims;
import static dev.nizhal.adapters.jwt.Tokens.hs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.nizhal.domain.actor.Actor;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The resolver with one HS256 issuer: the token format, the time window, the claims, and what it refuses. */
class JwtActorResolverHmacTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final Issuer issuer = Issuer.builder(KeySource.hmacSecret(SECRET)).build();
    private final JwtActorResolver resolver = new JwtActorResolver(JwtConfig.of(issuer), now::get);

    @Test
    void accepts_a_valid_hs256_token_and_takes_sub_as_the_actor_id() {
        Actor actor = resolver.resolve("Bearer " + hs256(SECRET, claims("u1").build()));

        assertThat(actor.id()).isEqualTo("u1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "BeArEr ", "Bearer   ", "  Bearer ", ""})
    void accepts_the_bearer_scheme_in_any_case_and_the_bare_token(String prefix) {
        String token = hs256(SECRET, claims("u1").build());

        assertThat(resolver.resolve(prefix + token + " ").id()).isEqualTo("u1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic ", "Token ", "Bearer: ", "Bearertoken", "Bearer x ", "Bearer\t", "JWT "})
    void refuses_other_schemes_and_shapes(String prefix) {
        assertRefused(resolver, prefix + hs256(SECRET, claims("u1").build()));
    }

    @Test
    void refuses_missing_credentials() {
        assertRefused(resolver, null);
        assertRefused(resolver, "");
        assertRefused(resolver, "   ");
        assertRefused(resolver, "Bearer");
        assertRefused(resolver, "Bearer ");
    }

    @Test
    void refuses_a_token_longer_than_the_limit() {
        String padding = "x".repeat(JwtActorResolver.MAX_TOKEN_CHARS);
        String token = hs256(SECRET, claims("u1").claim("padding", padding).build());

        assertRefused(resolver, "Bearer " + token);
    }

    @Test
    void refuses_an_expired_token() {
        now.set(NOW.plus(Duration.ofHours(1)).plusSeconds(61));

        assertRefused(resolver, "Bearer " + hs256(SECRET, claims("u1").build()));
    }

    @Test
    void accepts_a_token_expired_within_the_60_second_skew() {
        now.set(NOW.plus(Duration.ofHours(1)).plusSeconds(59));

        assertThat(resolver.resolve(hs256(SECRET, claims("u1").build())).id()).isEqualTo("u1");
    }

    @Test
    void refuses_a_token_that_is_not_yet_valid() {
        JWTClaimsSet notYet =
                claims("u1").notBeforeTime(Date.from(NOW.plusSeconds(61))).build();

        assertRefused(resolver, hs256(SECRET, notYet));
    }

    @Test
    void accepts_a_not_before_within_the_60_second_skew() {
        JWTClaimsSet soon =
                claims("u1").notBeforeTime(Date.from(NOW.plusSeconds(59))).build();

        assertThat(resolver.resolve(hs256(SECRET, soon)).id()).isEqualTo("u1");
    }

    @Test
    void reads_the_injected_clock_on_every_call() {
        String token = hs256(SECRET, claims("u1").build());
        assertThat(resolver.resolve(token).id()).isEqualTo("u1");

        now.set(NOW.plus(Duration.ofDays(1)));

        assertRefused(resolver, token);
    }

    @Test
    void a_remembered_token_is_refused_once_expired_and_before_its_nbf() {
        JWTClaimsSet window =
                claims("u1").notBeforeTime(Date.from(NOW.minusSeconds(10))).build(); // exp: NOW + 1 h
        String token = hs256(SECRET, window);
        Actor first = resolver.resolve(token);

        // the same token again: the remembered actor, within its window
        assertThat(resolver.resolve("Bearer " + token)).isSameAs(first);
        now.set(NOW.plus(Duration.ofHours(1)).plusSeconds(59));
        assertThat(resolver.resolve(token)).isSameAs(first);
        now.set(NOW.plus(Duration.ofHours(1)).plusSeconds(61));
        assertRefused(resolver, token);
        // the clock set back before nbf - skew: refused too, though the token was verified before
        now.set(NOW.minusSeconds(71));
        assertRefused(resolver, token);
        now.set(NOW);
        assertThat(resolver.resolve(token)).isSameAs(first);
    }

    @Test
    void remembers_a_bounded_number_of_tokens_and_verifies_the_others_in_full() {
        String kept = hs256(SECRET, claims("u0").build());
        Actor first = resolver.resolve(kept);
        for (int i = 1; i < JwtActorResolver.REMEMBERED_TOKENS; i++) {
            resolver.resolve(hs256(SECRET, claims("u" + i).build()));
        }
        assertThat(resolver.resolve(kept)).isSameAs(first);

        // one more: the memory is full, so it is emptied and the first token is verified in full again
        resolver.resolve(hs256(SECRET, claims("one-more").build()));
        Actor again = resolver.resolve(kept);
        assertThat(again).isNotSameAs(first);
        assertThat(again.id()).isEqualTo("u0");
        assertThat(again.claims()).isEqualTo(first.claims());
    }

    @Test
    void a_long_token_is_verified_at_every_use() {
        String padding = "x".repeat(JwtActorResolver.REMEMBERED_TOKEN_CHARS);
        String token = hs256(SECRET, claims("u1").claim("padding", padding).build());

        Actor first = resolver.resolve(token);

        assertThat(resolver.resolve(token)).isNotSameAs(first).isEqualTo(first);
    }

    @Test
    void refuses_a_token_without_exp() {
        JWTClaimsSet forever = new JWTClaimsSet.Builder().subject("u1").build();

        assertRefused(resolver, hs256(SECRET, forever));
    }

    @Test
    void refuses_a_token_without_sub_or_with_a_blank_one() {
        JWTClaimsSet.Builder noSubject = claims("u1").subject(null);

        assertRefused(resolver, hs256(SECRET, noSubject.build()));
        assertRefused(resolver, hs256(SECRET, claims("").build()));
        assertRefused(resolver, hs256(SECRET, claims("  ").build()));
        // RFC 7519: sub is a string; Nimbus would turn 123 into "123"
        assertRefused(resolver, hs256(SECRET, claims("u1").claim("sub", 123).build()));
    }

    /**
     * PostgreSQL text cannot hold U+0000 and UTF-8 cannot encode half a surrogate pair: an actor id or claim with
     * either would fail every statement it reaches, so the token is refused like any other bad one (JSON escapes in
     * the payload, as an attacker would write them).
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"sub\":\"a\\u0000b\"",
                "\"sub\":\"a\\ud800b\"",
                "\"sub\":\"\\udc00\"",
                "\"sub\":\"u1\",\"team\":\"x\\u0000\"",
                "\"sub\":\"u1\",\"groups\":[\"ok\",{\"k\\u0000\":1}]",
                "\"sub\":\"u1\",\"t\\ud800\":1"
            })
    void refuses_a_sub_or_claim_that_postgresql_text_cannot_hold(String members) {
        String header = b64("{\"alg\":\"HS256\"}");
        String payload = b64("{" + members + ",\"exp\":" + NOW.plusSeconds(60).getEpochSecond() + "}");
        String signature = Base64URL.encode(hmac(header + "." + payload)).toString();

        assertRefused(resolver, header + "." + payload + "." + signature);
    }

    @Test
    void refuses_a_forged_signature() {
        byte[] otherSecret = "another-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8);
        String forged = hs256(otherSecret, claims("u1").build());
        String[] honest = hs256(SECRET, claims("u1").build()).split("\\.");
        String[] admin = hs256(SECRET, claims("admin").build()).split("\\.");

        assertRefused(resolver, forged);
        // the payload of one token with the signature of another
        assertRefused(resolver, honest[0] + "." + admin[1] + "." + honest[2]);
        // the signature dropped
        assertRefused(resolver, honest[0] + "." + honest[1] + ".");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void refuses_alg_none(String none) {
        String header = b64("{\"alg\":\"" + none + "\",\"typ\":\"JWT\"}");
        String payload =
                b64("{\"sub\":\"admin\",\"exp\":" + NOW.plusSeconds(3600).getEpochSecond() + "}");

        assertRefused(resolver, header + "." + payload + ".");
        // with a signature segment, so that it passes the shape check and reaches the JOSE parser
        assertRefused(resolver, header + "." + payload + "." + b64("sig"));
        assertRefused(
                resolver,
                header + "." + payload + "."
                        + hs256(SECRET, claims("admin").build()).split("\\.")[2]);
    }

    @Test
    void refuses_an_algorithm_other_than_the_pinned_one_even_with_the_right_secret() {
        JWSHeader hs512 = new JWSHeader(JWSAlgorithm.HS512);
        byte[] longSecret = (new String(SECRET, StandardCharsets.UTF_8) + "-made-long-enough-for-hs512-64-bytes")
                .getBytes(StandardCharsets.UTF_8);
        Issuer longIssuer = Issuer.builder(KeySource.hmacSecret(longSecret)).build();
        JwtActorResolver pinned = new JwtActorResolver(JwtConfig.of(longIssuer), now::get);

        assertRefused(pinned, Tokens.sign(hs512, claims("u1").build(), Tokens.mac(longSecret)));
        assertThat(pinned.resolve(hs256(longSecret, claims("u1").build())).id()).isEqualTo("u1");
    }

    @Test
    void checks_iss_and_aud_when_they_are_configured() {
        Issuer strict = Issuer.builder(KeySource.hmacSecret(SECRET))
                .issuer("https://dev.nizhal")
                .audience("nizhal", "nizhal-admin")
                .build();
        JwtActorResolver checking = new JwtActorResolver(JwtConfig.of(strict), now::get);
        JWTClaimsSet.Builder good =
                claims("u1").issuer("https://dev.nizhal").audience(List.of("other", "nizhal-admin"));

        assertThat(checking.resolve(hs256(SECRET, good.build())).id()).isEqualTo("u1");
        assertRefused(checking, hs256(SECRET, claims("u1").audience("nizhal").build())); // no iss
        assertRefused(checking, hs256(SECRET, good.issuer("https://evil").build())); // wrong iss
        assertRefused(
                checking,
                hs256(
                        SECRET,
                        good.issuer("https://dev.nizhal").audience("other").build()));
        assertRefused(
                checking,
                hs256(SECRET, claims("u1").issuer("https://dev.nizhal").build())); // no aud
    }

    @Test
    void does_not_check_aud_or_iss_when_they_are_not_configured() {
        JWTClaimsSet anyAudience =
                claims("u1").issuer("whoever").audience("whatever").build();

        assertThat(resolver.resolve(hs256(SECRET, anyAudience)).id()).isEqualTo("u1");
    }

    @Test
    void exposes_the_verified_claims_as_plain_java_values() {
        JWTClaimsSet rich = claims("u1")
                .audience("nizhal")
                .claim("tenant", "t-42")
                .claim("level", 7)
                .claim("ratio", 0.5)
                .claim("admin", true)
                .claim("roles", List.of("reader", "writer"))
                .claim("org", Map.of("id", 9, "name", "Acme"))
                .claim("nothing", null)
                .build();

        Actor actor = resolver.resolve(hs256(SECRET, rich));

        assertThat(actor.claims())
                .containsEntry("sub", "u1")
                .containsEntry("aud", "nizhal")
                .containsEntry("tenant", "t-42")
                .containsEntry("level", 7L)
                .containsEntry("ratio", 0.5)
                .containsEntry("admin", true)
                .containsEntry("roles", List.of("reader", "writer"))
                .containsEntry("org", Map.of("id", 9L, "name", "Acme"))
                .containsEntry("iat", NOW.getEpochSecond())
                .containsEntry("exp", NOW.plusSeconds(3600).getEpochSecond())
                .doesNotContainKey("nothing");
        assertThat(actor.claim("tenant")).contains("t-42");
    }

    @Test
    void keeps_large_and_fractional_numbers_as_numbers() {
        String header = b64("{\"alg\":\"HS256\"}");
        String payload = b64("{\"sub\":\"u1\",\"exp\":" + NOW.plusSeconds(60).getEpochSecond()
                + ",\"big\":123456789012345678901234567890,\"n\":-3,\"nested\":[1,[2.5,null],{\"k\":null}]}");
        String signature = Base64URL.encode(hmac(header + "." + payload)).toString();

        Actor actor = resolver.resolve(header + "." + payload + "." + signature);

        assertThat(actor.claims().get("big")).isInstanceOfAny(Double.class, BigDecimal.class);
        assertThat(actor.claims()).containsEntry("n", -3L);
        assertThat((List<?>) actor.claims().get("nested")).hasSize(3).first().isEqualTo(1L);
    }

    @Test
    void signs_dev_tokens_that_the_resolver_of_the_same_issuer_accepts() {
        Issuer dev = Issuer.builder(KeySource.HmacSecret.generate())
                .issuer("nizhal-demo")
                .audience("nizhal")
                .build();
        HmacTokenIssuer tokens = new HmacTokenIssuer(dev, now::get);
        JwtActorResolver devResolver = new JwtActorResolver(JwtConfig.of(dev), now::get);

        String token = tokens.sign("alice", Duration.ofHours(8), Map.of("tenant", "t1", "roles", List.of("admin")));
        Actor alice = devResolver.resolve("Bearer " + token);

        assertThat(alice.id()).isEqualTo("alice");
        assertThat(alice.claims())
                .containsEntry("iss", "nizhal-demo")
                .containsEntry("aud", "nizhal")
                .containsEntry("tenant", "t1")
                .containsEntry("roles", List.of("admin"))
                .containsEntry("exp", NOW.plus(Duration.ofHours(8)).getEpochSecond());
        assertRefused(resolver, token); // another secret
        now.set(NOW.plus(Duration.ofHours(8)).plusSeconds(61));
        assertRefused(devResolver, token);
    }

    private static byte[] hmac(String signingInput) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
