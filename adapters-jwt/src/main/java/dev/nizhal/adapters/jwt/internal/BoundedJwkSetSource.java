package dev.nizhal.adapters.jwt.internal;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;

/**
 * Refuses a fetched key set with more than {@code maxKeys} keys, and keeps only the public keys of one that is
 * accepted. Sits directly on the HTTP source, below Nimbus's rate limiter and cache, so a refused set is never cached
 * and retrying it is rate-limited like any fetch.
 */
final class BoundedJwkSetSource implements JWKSetSource<SecurityContext> {
    private final JWKSetSource<SecurityContext> fetched;
    private final int maxKeys;

    BoundedJwkSetSource(JWKSetSource<SecurityContext> fetched, int maxKeys) {
        this.fetched = fetched;
        this.maxKeys = maxKeys;
    }

    @Override
    public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
            throws KeySourceException {
        JWKSet keys = fetched.getJWKSet(refreshEvaluator, currentTime, context);
        if (keys.size() > maxKeys) {
            // every key is a verification candidate for a token without kid: an unbounded set is unbounded work
            throw new JWKSetParseException(
                    "the JWK set has " + keys.size() + " keys, more than the limit of " + maxKeys, null);
        }
        return keys.toPublicJWKSet();
    }

    @Override
    public void close() throws IOException {
        fetched.close();
    }
}
