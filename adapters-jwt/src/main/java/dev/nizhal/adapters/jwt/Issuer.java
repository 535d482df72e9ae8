package dev.nizhal.adapters.jwt;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One token issuer the resolver trusts: its {@code iss} value, where its keys come from (with the pinned algorithms)
 * and the audience its tokens must be meant for. Build one with {@link #builder(KeySource)}:
 *
 * <pre>{@code
 * Issuer idp = Issuer.builder(KeySource.jwksUrl(URI.create("https://idp.example/jwks"), SigningAlgorithm.RS256))
 *         .issuer("https://idp.example/")
 *         .audience("nizhal")
 *         .build();
 * }</pre>
 *
 * @param issuer the expected {@code iss} claim, or {@code null} to not check it (allowed with a single issuer only). It
 *     may not contain {@code |}, the separator of actor ids with several issuers, so such ids split unambiguously
 * @param keys the keys and pinned algorithms
 * @param audiences the accepted {@code aud} values: a token must name at least one of them. Required for a JWKS key
 *     source (a public-key provider signs tokens for many applications); optional for an HMAC secret, and checked
 *     when given. Empty means not checked
 */
public record Issuer(String issuer, KeySource keys, Set<String> audiences) {

    public Issuer {
        if (issuer != null && (issuer.isBlank() || issuer.contains(JwtActorResolver.ACTOR_ID_SEPARATOR))) {
            throw new IllegalArgumentException(
                    "an issuer must not be blank nor contain '" + JwtActorResolver.ACTOR_ID_SEPARATOR + "'");
        }
        Objects.requireNonNull(keys, "keys");
        audiences = Set.copyOf(audiences);
        if (audiences.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("an audience must not be blank");
        }
        if (!(keys instanceof KeySource.HmacSecret) && audiences.isEmpty()) {
            throw new IllegalArgumentException("an issuer whose keys come from a JWKS needs an audience");
        }
    }

    /** Starts an issuer verified with these keys. */
    public static Builder builder(KeySource keys) {
        return new Builder(keys);
    }

    /** The expected {@code iss}, if it is checked. */
    public Optional<String> expectedIssuer() {
        return Optional.ofNullable(issuer);
    }

    /** Collects an {@link Issuer}; {@link #build()} validates it. */
    public static final class Builder {
        private final KeySource keys;
        private String issuer;
        private final Set<String> audiences = new LinkedHashSet<>();

        private Builder(KeySource keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /** The expected {@code iss} claim. */
        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /** Adds accepted {@code aud} values. */
        public Builder audience(String... audiences) {
            this.audiences.addAll(Arrays.asList(audiences));
            return this;
        }

        public Issuer build() {
            return new Issuer(issuer, keys, audiences);
        }
    }
}
