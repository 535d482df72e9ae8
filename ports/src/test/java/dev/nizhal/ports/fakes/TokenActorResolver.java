package dev.nizhal.ports.fakes;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ActorResolver;
import java.util.Map;

/** Known tokens map to actors; anything else is unauthenticated, as a real resolver answers. */
public record TokenActorResolver(Map<String, Actor> actors) implements ActorResolver {
    @Override
    public Actor resolve(String credentials) {
        Actor actor = credentials == null ? null : actors.get(credentials);
        if (actor == null) {
            throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "UNAUTHENTICATED");
        }
        return actor;
    }
}
