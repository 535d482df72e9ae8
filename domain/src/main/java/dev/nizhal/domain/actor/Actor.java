package dev.nizhal.domain.actor;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is asking: a stable id (with several token issuers, issuer and subject together) and the verified claims of
 * the credentials, available to sync-rule {@code fromClaim} parameters. Claim values are kept as the credential gave
 * them; SQL casts them to a column's type, Java never interprets them.
 */
public record Actor(String id, Map<String, Object> claims) {
    public Actor {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("an actor id must not be empty");
        }
        claims = Map.copyOf(claims);
    }

    public static Actor of(String id) {
        return new Actor(id, Map.of());
    }

    public Optional<Object> claim(String name) {
        return Optional.ofNullable(claims.get(name));
    }
}
