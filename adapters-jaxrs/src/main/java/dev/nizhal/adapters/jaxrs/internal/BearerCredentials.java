package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ActorResolver;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code Authorization: Bearer <token>} (RFC 6750) → the token → the {@link ActorResolver}'s actor. */
public final class BearerCredentials {
    /** The scheme is case-insensitive; the token is RFC 6750's b64token (a JWT is one). */
    private static final Pattern BEARER = Pattern.compile("^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\\-._~+/]+=*) *$");

    private BearerCredentials() {}

    /**
     * @param authorization the {@code Authorization} header, or null
     * @throws SyncException {@code UNAUTHENTICATED} without a bearer token, or whatever the resolver throws
     * @throws IllegalStateException when the resolver returns no actor (a bug of the resolver)
     */
    public static Actor actor(ActorResolver actors, String authorization) {
        if (authorization == null) {
            throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "no Authorization header");
        }
        Matcher bearer = BEARER.matcher(authorization);
        if (!bearer.matches()) {
            throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "the Authorization header is not a bearer token");
        }
        Actor actor = actors.resolve(bearer.group(1));
        if (actor == null) {
            throw new IllegalStateException("the ActorResolver returned no actor; it must throw UNAUTHENTICATED");
        }
        return actor;
    }
}
