package dev.nizhal.domain.actor;

import dev.nizhal.domain.text.StorableText;
import java.util.List;
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

    /**
     * Whether the id, every claim name and every text in the claims (nested ones too) are {@link StorableText}: an
     * actor with U+0000 or half a surrogate pair there could not be stored or compared by PostgreSQL, so the use cases
     * refuse it as {@code UNAUTHENTICATED}.
     */
    public boolean storable() {
        return StorableText.storable(id) && storableValue(claims);
    }

    private static boolean storableValue(Object value) {
        return switch (value) {
            case String text -> StorableText.storable(text);
            case Map<?, ?> map ->
                map.entrySet().stream()
                        .allMatch(e -> storableValue(String.valueOf(e.getKey())) && storableValue(e.getValue()));
            case List<?> list -> list.stream().allMatch(Actor::storableValue);
            case null, default -> true;
        };
    }
}
