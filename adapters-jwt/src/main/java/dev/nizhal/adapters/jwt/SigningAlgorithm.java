package dev.nizhal.adapters.jwt;

/**
 * The JWS algorithms a {@link KeySource} can be pinned to. The resolver accepts a token only when its {@code alg} is
 * one that its issuer's key source was configured with: the token's header never chooses the algorithm, and {@code
 * none} is not in this list.
 */
public enum SigningAlgorithm {
    /** HMAC with SHA-256, for a shared {@link KeySource.HmacSecret} only. */
    HS256,
    /** RSASSA-PKCS1-v1_5 with SHA-256, for RSA keys of a JWKS. */
    RS256,
    /** ECDSA on P-256 with SHA-256, for EC keys of a JWKS. */
    ES256;

    /** Whether tokens of this algorithm are verified with public keys of a JWKS (not with a shared secret). */
    public boolean asymmetric() {
        return this != HS256;
    }
}
