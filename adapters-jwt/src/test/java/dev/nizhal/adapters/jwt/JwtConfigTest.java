package dev.nizhal.adapters.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the configuration refuses at start-up, before any token is seen. */
class JwtConfigTest {
    private static final KeySource HMAC = KeySource.hmacSecret(Tokens.SECRET);
    private static final KeySource JWKS =
            KeySource.jwksUrl(URI.create("https://idp.example/jwks"), SigningAlgorithm.RS256);

    @Test
    void an_hmac_secret_needs_32_bytes_and_never_prints() {
        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.hmacSecret(new byte[31]));
        KeySource.HmacSecret secret = KeySource.hmacSecret(Tokens.SECRET);

        assertThat(secret.toString()).isEqualTo("HmacSecret[" + Tokens.SECRET.length + " bytes]");
        assertThat(secret.algorithms()).containsExactly(SigningAlgorithm.HS256);
        assertThat(KeySource.HmacSecret.generate().secret()).hasSize(32);
        // the record does not hand out its own array
        secret.secret()[0] ^= 1;
        assertThat(secret).isEqualTo(KeySource.hmacSecret(Tokens.SECRET));
    }

    @Test
    void a_jwks_pins_asymmetric_algorithms_only() {
        URI url = URI.create("https://idp.example/jwks");
        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.jwksUrl(url));
        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.jwksUrl(url, SigningAlgorithm.HS256));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> KeySource.jwksUrl(url, SigningAlgorithm.RS256, SigningAlgorithm.HS256));
        assertThat(KeySource.jwksUrl(url, SigningAlgorithm.ES256, SigningAlgorithm.RS256)
                        .algorithms())
                .containsExactlyInAnyOrder(SigningAlgorithm.RS256, SigningAlgorithm.ES256);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://idp.example/jwks",
                "ftp://idp.example/jwks",
                "file:///etc/jwks.json",
                "/jwks",
                "http://10.0.0.1/jwks"
            })
    void a_jwks_url_is_https_or_loopback_http(String url) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> KeySource.jwksUrl(URI.create(url), SigningAlgorithm.RS256));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://idp.example/jwks",
                "http://127.0.0.1:8080/jwks",
                "http://localhost/jwks",
                "http://[::1]:9/jwks"
            })
    void accepts_https_and_loopback_http(String url) {
        assertThat(KeySource.jwksUrl(URI.create(url), SigningAlgorithm.RS256).url())
                .hasToString(url);
    }

    @Test
    void a_jwks_document_needs_a_public_key() {
        String secretOnly = new JWKSet(new OctetSequenceKey.Builder(Tokens.SECRET).build()).toString(false);

        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.jwksJson("{}", SigningAlgorithm.RS256));
        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.jwksJson("not json", SigningAlgorithm.RS256));
        assertThatIllegalArgumentException().isThrownBy(() -> KeySource.jwksJson(secretOnly, SigningAlgorithm.RS256));
    }

    @Test
    void a_jwks_issuer_needs_an_audience() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Issuer.builder(JWKS).build());
        assertThat(Issuer.builder(JWKS).audience("nizhal").build().audiences()).containsExactly("nizhal");
        assertThat(Issuer.builder(HMAC).build().audiences()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a|b"})
    void an_issuer_is_not_blank_and_has_no_separator(String iss) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Issuer.builder(HMAC).issuer(iss).build());
    }

    @Test
    void several_issuers_each_name_a_distinct_iss() {
        Issuer a = Issuer.builder(HMAC).issuer("a").build();
        Issuer b = Issuer.builder(JWKS).issuer("b").audience("nizhal").build();
        Issuer anonymous = Issuer.builder(HMAC).build();

        assertThat(JwtConfig.of(a, b).severalIssuers()).isTrue();
        assertThat(JwtConfig.of(anonymous).severalIssuers()).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> JwtConfig.of(a, anonymous));
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () -> JwtConfig.of(a, Issuer.builder(HMAC).issuer("a").build()));
        assertThatIllegalArgumentException().isThrownBy(() -> new JwtConfig(List.of()));
    }

    @Test
    void the_fetch_policy_keeps_the_rate_limit_inside_the_cache_lifetime_and_timeouts_finite() {
        Duration s = Duration.ofSeconds(1);
        assertThatIllegalArgumentException().isThrownBy(() -> new JwksFetchPolicy(s, s, s, s, 1024, 4));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new JwksFetchPolicy(s.multipliedBy(10), s, Duration.ZERO, s, 1024, 4));
        assertThatIllegalArgumentException().isThrownBy(() -> new JwksFetchPolicy(s.multipliedBy(10), s, s, s, 0, 4));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new JwksFetchPolicy(s.multipliedBy(10), s, s, s, 1024, 0));
    }

    @Test
    void the_token_issuer_refuses_what_it_sets_itself_and_jwks_issuers() {
        Issuer hmac = Issuer.builder(HMAC).build();
        HmacTokenIssuer tokens = new HmacTokenIssuer(hmac, () -> Instant.EPOCH);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> tokens.sign("u1", Duration.ofHours(1), Map.of("sub", "admin")));
        assertThatIllegalArgumentException().isThrownBy(() -> tokens.sign("u1", Duration.ofHours(1), Map.of("exp", 1)));
        assertThatIllegalArgumentException().isThrownBy(() -> tokens.sign(" ", Duration.ofHours(1)));
        assertThatIllegalArgumentException().isThrownBy(() -> tokens.sign("u1", Duration.ZERO));
        assertThatIllegalArgumentException()
                .isThrownBy(() ->
                        new HmacTokenIssuer(Issuer.builder(JWKS).audience("x").build(), Instant::now));
        assertThat(tokens.sign("u1", Duration.ofHours(1)).split("\\.")).hasSize(3);
    }
}
