package dev.nizhal.server;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A second {@link ActorResolver} bean beside {@link SeedWarApp}'s, for {@link WarConfigurationIT}: which of the two
 * verifies tokens would be CDI's pick, so Nizhal refuses to start.
 */
@ApplicationScoped
public class SecondActorResolver implements ActorResolver {
    @Override
    public Actor resolve(String credentials) {
        return Actor.of("anyone");
    }
}
