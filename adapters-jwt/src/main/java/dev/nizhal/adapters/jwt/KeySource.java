package dev.nizhal.adapters.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the keys that verify an issuer's tokens come from, together with the algorithms those tokens may use. The
 * algorithms are part of the configuration and never taken from a token.
 *
 * <ul>
 *   <li>{@link HmacSecret}: a shared secret of at least 32 bytes, {@code HS256} only;
 *   <li>{@link JwksUrl}: the public keys of a JWKS endpoint ({@code RS256} and/or {@code ES256}), cached and
 *       refreshed as {@link JwksFetchPolicy} says;
 *   <li>{@link JwksDocument}: the public keys of a JWKS given as JSON text or read from a file, fixed for the life of
 *       the resolver.
 * </ul>
 *
 * Only the public parts of a JWKS are ever used: private and symmetric ({@code oct}) keys in it are ignored, so an
 * HMAC token can never be checked against a JWKS.
 */
public sealed interface KeySource permits KeySource.HmacSecret, KeySource.JwksUrl, KeySource.JwksDocument {

    /** The algorithms a token verified by this source may be signed with. */
    Set<SigningAlgorithm> algorithms();

    /** A shared HS256 secret (at least 32 bytes). */
    static HmacSecret hmacSecret(byte[] secret) {
        return new HmacSecret(secret);
    }

    /** A JWKS endpoint with the {@linkplain JwksFetchPolicy#DEFAULT default fetch policy}. */
    static JwksUrl jwksUrl(URI url, SigningAlgorithm... algorithms) {
        return new JwksUrl(url, Set.of(algorithms), JwksFetchPolicy.DEFAULT);
    }

    /** A JWKS given as JSON text ({@code {"keys": [...]}}). */
    static JwksDocument jwksJson(String json, SigningAlgorithm... algorithms) {
        return new JwksDocument(json, Set.of(algorithms));
    }

    /**
     * A JWKS read now from a UTF-8 file.
     *
     * @throws UncheckedIOException when the file cannot be read
     */
    static JwksDocument jwksFile(Path file, SigningAlgorithm... algorithms) {
        try {
            return new JwksDocument(Files.readString(file, StandardCharsets.UTF_8), Set.of(algorithms));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JWKS file " + file, e);
        }
    }

    /**
     * A shared HS256 secret. It is never printed: {@link #toString()} shows only its length.
     *
     * @param secret at least 32 bytes (RFC 7518 §3.2: the key must be as long as the hash); copied in and out
     */
    record HmacSecret(byte[] secret) implements KeySource {
        /** The shortest secret accepted, in bytes. */
        public static final int MIN_BYTES = 32;

        public HmacSecret {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < MIN_BYTES) {
                throw new IllegalArgumentException("an HS256 secret needs at least " + MIN_BYTES + " bytes");
            }
            secret = secret.clone();
        }

        /** A fresh random 32-byte secret, e.g. for a demo that signs its own dev tokens. */
        public static HmacSecret generate() {
            byte[] secret = new byte[MIN_BYTES];
            new SecureRandom().nextBytes(secret);
            return new HmacSecret(secret);
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public Set<SigningAlgorithm> algorithms() {
            return Set.of(SigningAlgorithm.HS256);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof HmacSecret that && Arrays.equals(secret, that.secret);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(secret);
        }

        @Override
        public String toString() {
            return "HmacSecret[" + secret.length + " bytes]";
        }
    }

    /**
     * The public keys of a JWKS endpoint.
     *
     * @param url {@code https}, or {@code http} to a loopback address only (keys fetched in clear text from another
     *     host could be replaced on the way)
     * @param algorithms one or more of {@code RS256}, {@code ES256}
     * @param fetchPolicy caching, refresh rate limit, timeouts and size limits
     */
    record JwksUrl(URI url, Set<SigningAlgorithm> algorithms, JwksFetchPolicy fetchPolicy) implements KeySource {
        private static final Pattern LOOPBACK_HOST =
                Pattern.compile("localhost|127(\\.\\d{1,3}){3}|\\[(0*:)*:?0*1]", Pattern.CASE_INSENSITIVE);

        public JwksUrl {
            Objects.requireNonNull(url, "url");
            algorithms = asymmetric(algorithms);
            Objects.requireNonNull(fetchPolicy, "fetchPolicy");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            String host = url.getHost();
            if (host == null || !(scheme.equals("https") || scheme.equals("http"))) {
                throw new IllegalArgumentException("a JWKS URL must be an absolute http(s) URL");
            }
            if (scheme.equals("http") && !LOOPBACK_HOST.matcher(host).matches()) {
                throw new IllegalArgumentException("a JWKS URL must use https (http is accepted for loopback only)");
            }
        }

        /** The same endpoint fetched with another policy. */
        public JwksUrl withFetchPolicy(JwksFetchPolicy policy) {
            return new JwksUrl(url, algorithms, policy);
        }
    }

    /**
     * A fixed JWKS.
     *
     * @param json the key set as JSON text; it must hold at least one public RSA or EC key
     * @param algorithms one or more of {@code RS256}, {@code ES256}
     */
    record JwksDocument(String json, Set<SigningAlgorithm> algorithms) implements KeySource {
        public JwksDocument {
            Objects.requireNonNull(json, "json");
            algorithms = asymmetric(algorithms);
            // parsed here so that a broken key file fails at start-up, not on the first request
            if (publicKeys(json).isEmpty()) {
                throw new IllegalArgumentException("the JWKS holds no public key");
            }
        }

        /** The public keys of the document; private and symmetric keys are dropped. */
        public JWKSet publicKeys() {
            return publicKeys(json);
        }

        private static JWKSet publicKeys(String json) {
            try {
                return JWKSet.parse(json).toPublicJWKSet();
            } catch (ParseException e) {
                throw new IllegalArgumentException("the JWKS is not a valid JSON Web Key Set", e);
            }
        }

        @Override
        public String toString() {
            // the JSON may carry private keys: show only the key ids
            return "JwksDocument[keys="
                    + publicKeys().getKeys().stream().map(JWK::getKeyID).toList() + ", algorithms=" + algorithms + "]";
        }
    }

    private static Set<SigningAlgorithm> asymmetric(Set<SigningAlgorithm> algorithms) {
        Objects.requireNonNull(algorithms, "algorithms");
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("a JWKS needs at least one pinned algorithm (RS256, ES256)");
        }
        if (algorithms.contains(SigningAlgorithm.HS256)) {
            // HS256 against a public key is the classic algorithm-confusion attack
            throw new IllegalArgumentException("HS256 is for a shared secret, never for a JWKS");
        }
        return Set.copyOf(EnumSet.copyOf(algorithms));
    }
}
