package dev.nizhal.server;

import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.jakarta.NizhalApp;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * {@link SeedApp}, the application the black-box suites expect, as the CDI beans of a WAR: its rules and mutators,
 * and its test tokens as the {@link ActorResolver} (instead of {@code nizhal.jwt.*}). Packed by {@link SeedWar}.
 */
@ApplicationScoped
public class SeedWarApp implements NizhalApp {
    @Override
    public SyncRules rules() {
        return Fixtures.seedRules();
    }

    @Override
    public Mutators mutators() {
        return SeedApp.MUTATORS;
    }

    @Produces
    @ApplicationScoped
    ActorResolver actors() {
        return SeedApp.ACTORS;
    }
}
