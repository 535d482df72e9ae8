package dev.nizhal.adapters.jwt;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The issuers whose bearer tokens {@link JwtActorResolver} accepts.
 *
 * <p>With one issuer, its {@code iss} is optional (checked when given) and the actor id is the token's {@code sub}.
 * With several, every issuer names its {@code iss}, the values are distinct, a token is routed to the issuer its
 * {@code iss} names (and verified only with that issuer's keys), and the actor id is {@code iss + "|" + sub} (see
 * {@link JwtActorResolver#ACTOR_ID_SEPARATOR}): the same {@code sub} from two issuers is two actors.
 *
 * @param issuers one or more issuers
 */
public record JwtConfig(List<Issuer> issuers) {

    public JwtConfig {
        issuers = List.copyOf(issuers);
        if (issuers.isEmpty()) {
            throw new IllegalArgumentException("at least one issuer is needed");
        }
        if (issuers.size() > 1) {
            Set<String> seen = new HashSet<>();
            for (Issuer issuer : issuers) {
                if (issuer.issuer() == null) {
                    throw new IllegalArgumentException("with several issuers, each one needs its iss value");
                }
                if (!seen.add(issuer.issuer())) {
                    throw new IllegalArgumentException("two issuers have the same iss value: " + issuer.issuer());
                }
            }
        }
    }

    /** A configuration of these issuers. */
    public static JwtConfig of(Issuer first, Issuer... more) {
        return new JwtConfig(Stream.concat(Stream.of(first), Stream.of(more)).toList());
    }

    /** Whether actor ids carry the issuer ({@code iss|sub}). */
    public boolean severalIssuers() {
        return issuers.size() > 1;
    }
}
