package dev.nizhal.adapters.jwt;

import static dev.nizhal.adapters.jwt.Tokens.NOW;
import static dev.nizhal.adapters.jwt.Tokens.SECRET;
import static dev.nizhal.adapters.jwt.Tokens.assertRefused;
import static dev.nizhal.adapters.jwt.Tokens.claims;
import static dev.nizhal.adapters.jwt.Tokens.hs256;
import static dev.nizhal.adapters.jwt.Tokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two issuers (an HMAC secret and a JWKS file), so actor ids are {@code iss|sub}, and tokens are routed by {@code iss}
 * to the one issuer whose keys may verify them.
 */
class JwtActorResolverIssuersTest {
    private static final String DEV = "https://dev.nizhal";
    private static final String IDP = "https://idp.example";
    private static final RSAKey RSA = Tokens.rsaKey("idp-1");

    private final Issuer dev =
            Issuer.builder(KeySource.hmacSecret(SECRET)).issuer(DEV).build();
    private final Issuer idp = Issuer.builder(
                    KeySource.jwksJson(new JWKSet(RSA).toString(false), SigningAlgorithm.RS256))
            .issuer(IDP)
            .audience("nizhal")
            .build();
    private final JwtActorResolver resolver = new JwtActorResolver(JwtConfig.of(dev, idp), () -> NOW);

    @Test
    void actor_ids_are_issuer_and_subject_so_the_same_sub_of_two_issuers_is_two_actors() {
        String fromDev = hs256(SECRET, claims("u1").issuer(DEV).build());
        String fromIdp = rs256(RSA, claims("u1").issuer(IDP).audience("nizhal").build());

        assertThat(resolver.resolve(fromDev).id()).isEqualTo("https://dev.nizhal|u1");
        assertThat(resolver.resolve(fromIdp).id()).isEqualTo("https://idp.example|u1");
        assertThat(resolver.resolve(fromIdp).claims()).containsEntry("iss", IDP).containsEntry("sub", "u1");
    }

    @Test
    void refuses_an_unknown_or_missing_issuer() {
        assertRefused(
                resolver,
                hs256(SECRET, claims("u1").issuer("https://other.example").build()));
        assertRefused(resolver, hs256(SECRET, claims("u1").build()));
        assertRefused(resolver, hs256(SECRET, claims("u1").issuer(DEV + "|x").build()));
    }

    @Test
    void verifies_a_token_only_with_the_keys_of_the_issuer_it_names() throws Exception {
        // the dev secret signing a token that claims to come from the identity provider
        assertRefused(
                resolver,
                hs256(SECRET, claims("u1").issuer(IDP).audience("nizhal").build()));
        // the provider's RSA key signing a token that claims to come from the dev issuer (pinned to HS256)
        assertRefused(resolver, rs256(RSA, claims("u1").issuer(DEV).build()));
        // HS256 with the provider's public key as secret, claiming either issuer
        byte[] publicKey = RSA.toRSAPublicKey().getEncoded();
        JWSHeader hs256 = new JWSHeader(JWSAlgorithm.HS256);
        for (String iss : List.of(DEV, IDP)) {
            JWTClaimsSet claimed = claims("u1").issuer(iss).audience("nizhal").build();
            assertRefused(resolver, Tokens.sign(hs256, claimed, Tokens.mac(publicKey)));
        }
    }

    @Test
    void reads_a_jwks_file_and_uses_only_its_public_keys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        // a file holding the private key too: the resolver must use the public part only
        Files.writeString(file, new JWKSet(RSA).toString(false), StandardCharsets.UTF_8);
        KeySource.JwksDocument keys = KeySource.jwksFile(file, SigningAlgorithm.RS256);
        Issuer fromFile = Issuer.builder(keys).audience("nizhal").build();
        JwtActorResolver single = new JwtActorResolver(JwtConfig.of(fromFile), () -> NOW);

        assertThat(keys.publicKeys().getKeys())
                .allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        assertThat(keys.toString()).doesNotContain(RSA.getPrivateExponent().toString());
        assertThat(single.resolve(rs256(RSA, claims("u1").audience("nizhal").build()))
                        .id())
                .isEqualTo("u1");
    }
}
