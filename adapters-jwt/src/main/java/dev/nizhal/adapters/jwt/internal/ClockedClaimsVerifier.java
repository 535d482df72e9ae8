package dev.nizhal.adapters.jwt.internal;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.nizhal.ports.out.Clock;
import java.util.Date;
import java.util.Set;

/** Nimbus's claims verifier ({@code exp}, {@code nbf}, audience, required and exact claims) on our clock. */
final class ClockedClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
    private final Clock clock;

    ClockedClaimsVerifier(
            Set<String> acceptedAudience,
            JWTClaimsSet exactMatchClaims,
            Set<String> requiredClaims,
            int maxClockSkewSeconds,
            Clock clock) {
        super(acceptedAudience, exactMatchClaims, requiredClaims, null);
        this.clock = clock;
        setMaxClockSkew(maxClockSkewSeconds);
    }

    @Override
    protected Date currentTime() {
        return Date.from(clock.now());
    }
}
