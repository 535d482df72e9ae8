package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;

/**
 * The use cases' guard on who asks: an actor whose id or claims PostgreSQL could not store ({@link Actor#storable()})
 * is refused as {@code UNAUTHENTICATED}, whichever resolver made it, before any statement could fail on it.
 */
final class StorableActor {
    private StorableActor() {}

    static Actor require(Actor actor) {
        if (!actor.storable()) {
            throw new SyncException(
                    SyncErrorCode.UNAUTHENTICATED,
                    "the actor's id or claims hold U+0000 or an unpaired surrogate, which cannot be stored");
        }
        return actor;
    }
}
