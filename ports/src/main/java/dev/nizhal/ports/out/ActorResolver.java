package dev.nizhal.ports.out;

import dev.nizhal.domain.actor.Actor;

/** Turns credentials (a bearer token) into a verified actor. */
@FunctionalInterface
public interface ActorResolver {
    /**
     * @throws dev.nizhal.domain.error.SyncException with {@code UNAUTHENTICATED} for missing, expired or forged
     *     credentials
     */
    Actor resolve(String credentials);
}
