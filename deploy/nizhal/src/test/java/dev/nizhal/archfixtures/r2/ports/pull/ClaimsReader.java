package dev.nizhal.archfixtures.r2.ports.pull;

import jakarta.inject.Provider;

/** Breaks R2: ports depend on a library (jakarta.inject). */
public final class ClaimsReader {
    private final Provider<String> claims;

    public ClaimsReader(Provider<String> claims) {
        this.claims = claims;
    }

    public String claim() {
        return claims.get();
    }
}
