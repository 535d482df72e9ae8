package dev.nizhal.adapters.jwt;

import static dev.nizhal.adapters.jwt.Tokens.NOW;
import static dev.nizhal.adapters.jwt.Tokens.SECRET;
import static dev.nizhal.adapters.jwt.Tokens.assertRefused;
import static dev.nizhal.adapters.jwt.Tokens.b64;
import static dev.nizhal.adapters.jwt.Tokens.claims;
import static dev.nizhal.adapters.jwt.Tokens.hs256;
import static dev.nizhal.adapters.jwt.Tokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1,000 seeded garbage inputs (random bytes and text, random and mutated tokens, crafted headers, signed payloads that
 * are not valid claims, deep nesting), each sent to three resolvers (HMAC, JWKS document, two issuers): every one is
 * refused with exactly UNAUTHENTICATED, never another exception, never an actor.
 */
class JwtActorResolverFuzzTest {
    private static final long SEED = 20261126L;
    private static final int CASES = 1_000;
    private static final String B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final List<String> ALGS = List.of(
            "\"none\"",
            "\"HS256\"",
            "\"RS256\"",
            "\"ES256\"",
            "\"HS512\"",
            "\"PS256\"",
            "\"EdDSA\"",
            "\"\"",
            "null",
            "5",
            "[\"HS256\"]",
            "{}",
            "\"RSA-OAEP\"",
            "\"dir\"");

    private static final RSAKey RSA = Tokens.rsaKey("rsa-1");
    private static final ECKey EC = Tokens.ecKey("ec-1");

    private final Issuer hmac = Issuer.builder(KeySource.hmacSecret(SECRET))
            .issuer("dev")
            .audience("nizhal")
            .build();
    private final Issuer document = Issuer.builder(KeySource.jwksJson(
                    new JWKSet(List.of(RSA, EC)).toString(), SigningAlgorithm.RS256, SigningAlgorithm.ES256))
            .issuer("idp")
            .audience("nizhal")
            .build();
    private final List<JwtActorResolver> resolvers = List.of(
            new JwtActorResolver(JwtConfig.of(hmac), () -> NOW),
            new JwtActorResolver(JwtConfig.of(document), () -> NOW),
            new JwtActorResolver(JwtConfig.of(hmac, document), () -> NOW));

    /** Tokens every resolver above accepts (one of them, for the two single-issuer ones): the mutation seeds. */
    private final List<String> valid = List.of(
            hs256(SECRET, claims("u1").issuer("dev").audience("nizhal").build()),
            rs256(RSA, claims("u1").issuer("idp").audience("nizhal").build()),
            Tokens.es256(EC, claims("u1").issuer("idp").audience("nizhal").build()));

    @Test
    void the_valid_seeds_are_accepted_so_that_the_mutations_below_mean_something() {
        assertThat(resolvers.get(0).resolve(valid.get(0)).id()).isEqualTo("u1");
        assertThat(resolvers.get(1).resolve(valid.get(1)).id()).isEqualTo("u1");
        assertThat(resolvers.get(2).resolve(valid.get(2)).id()).isEqualTo("idp|u1");
    }

    @Test
    void every_garbage_input_is_refused_with_exactly_unauthenticated() {
        Random random = new Random(SEED);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            inputs.add(garbage(random, i % 8));
        }
        for (int i = 0; i < inputs.size(); i++) {
            for (int r = 0; r < resolvers.size(); r++) {
                assertRefused(
                        resolvers.get(r), inputs.get(i), "case " + i + " on resolver " + r + ": " + inputs.get(i));
            }
        }
        assertThat(inputs).hasSize(CASES).doesNotContainAnyElementsOf(valid);
    }

    private String garbage(Random random, int kind) {
        return switch (kind) {
            case 0 -> randomBytes(random, random.nextInt(300));
            case 1 -> randomText(random, random.nextInt(300), " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + B64URL);
            case 2 ->
                segment(random, 1 + random.nextInt(60)) + "." + segment(random, 1 + random.nextInt(200)) + "."
                        + segment(random, 1 + random.nextInt(350));
            case 3 -> craftedHeader(random);
            case 4, 5 -> mutated(random, valid.get(random.nextInt(valid.size())));
            case 6 -> signedNonsense(random);
            default -> (random.nextBoolean() ? "Bearer " : "bEaReR  ") + garbage(random, random.nextInt(7));
        };
    }

    private static String randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String randomText(Random random, int length, String alphabet) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static String segment(Random random, int length) {
        return randomText(random, length, B64URL);
    }

    /** A header with a random alg and random extra parameters, a plausible payload, a random signature. */
    private String craftedHeader(Random random) {
        String header = "{\"alg\":" + ALGS.get(random.nextInt(ALGS.size()))
                + switch (random.nextInt(6)) {
                    case 0 -> ",\"jku\":\"http://127.0.0.1:9/jwks\"";
                    case 1 -> ",\"jwk\":" + RSA.toPublicJWK().toJSONString();
                    case 2 -> ",\"crit\":[\"exp\"],\"exp\":1";
                    case 3 -> ",\"kid\":\"" + segment(random, 8) + "\"";
                    case 4 -> ",\"enc\":\"A128GCM\"";
                    default -> "";
                }
                + "}";
        String payload = "{\"sub\":\"admin\",\"iss\":\"dev\",\"aud\":\"nizhal\",\"exp\":"
                + NOW.plusSeconds(3600).getEpochSecond() + "}";
        String signature = random.nextInt(4) == 0 ? "" : segment(random, 1 + random.nextInt(350));
        return b64(header) + "." + b64(payload) + "." + signature;
    }

    /** A valid token with one change that breaks its signature. */
    private static String mutated(Random random, String token) {
        int firstDot = token.indexOf('.');
        int lastDot = token.lastIndexOf('.');
        return switch (random.nextInt(6)) {
            case 0, 1 -> {
                // a character of header or payload: the signing input changes
                int at = random.nextInt(lastDot);
                yield at == firstDot ? token.substring(1) : replaceAt(random, token, at);
            }
            case 2 -> {
                // a character of the signature but its last (whose low bits may be padding)
                int at = lastDot + 1 + random.nextInt(token.length() - lastDot - 2);
                yield replaceAt(random, token, at);
            }
            case 3 -> token.substring(0, random.nextInt(token.length()));
            case 4 -> token.substring(0, lastDot) + token.substring(firstDot, lastDot) + token.substring(lastDot);
            default -> {
                int at = random.nextInt(token.length());
                yield token.substring(0, at) + " !.%\u0000\u00e9\u2028".charAt(random.nextInt(7)) + token.substring(at);
            }
        };
    }

    private static String replaceAt(Random random, String token, int at) {
        char old = token.charAt(at);
        char replacement;
        do {
            replacement = B64URL.charAt(random.nextInt(B64URL.length()));
        } while (replacement == old);
        return token.substring(0, at) + replacement + token.substring(at + 1);
    }

    /** Correctly signed HS256 tokens whose payload is not an acceptable claims set. */
    private static String signedNonsense(Random random) {
        long exp = NOW.plusSeconds(3600).getEpochSecond();
        String payload = switch (random.nextInt(10)) {
            case 0 -> "[".repeat(5_000) + "]".repeat(5_000);
            case 1 -> "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000);
            case 2 -> "{\"sub\":123,\"iss\":\"dev\",\"aud\":\"nizhal\",\"exp\":" + exp + "}";
            case 3 -> "{\"sub\":\"u1\",\"iss\":\"dev\",\"aud\":\"nizhal\",\"exp\":\"tomorrow\"}";
            case 4 -> "{\"sub\":\"u1\",\"iss\":\"dev\",\"aud\":{\"x\":1},\"exp\":" + exp + "}";
            case 5 -> "{\"sub\":[\"u1\"],\"iss\":\"dev\",\"aud\":\"nizhal\",\"exp\":" + exp + "}";
            case 6 -> "null";
            case 7 -> "\"just a string\"";
            case 8 -> "{\"sub\":null,\"iss\":\"dev\",\"aud\":\"nizhal\",\"exp\":" + exp + "}";
            default -> randomText(random, random.nextInt(100), "{}[]\":,0123456789.eE+-truefalsnul ");
        };
        JWSHeader header = new JWSHeader(JWSAlgorithm.HS256);
        String signingInput = b64(header.toString()) + "." + b64(payload);
        return signingInput + "." + b64(hmacSha256(signingInput));
    }

    private static byte[] hmacSha256(String signingInput) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
