package dev.nizhal.server;

import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.MutatorDefinition;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.jakarta.NizhalApp;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * {@link SeedApp}, the application the black-box suites expect, as the CDI beans of a WAR: its rules and mutators,
 * and its test tokens as the {@link ActorResolver} (instead of {@code nizhal.jwt.*}). Packed by {@link SeedWar}. One
 * mutator more, {@code addNoteJdbc}, writes through the plain JDBC {@link Connection} of the push transaction, which
 * in a WAR is the server's pooled connection.
 */
@ApplicationScoped
public class SeedWarApp implements NizhalApp {
    record AddNoteJdbc(String id, String body) {}

    static final Mutators MUTATORS = Mutators.define(m -> {
        SeedApp.MUTATORS.all().forEach(definition -> copy(m, definition));
        m.mutator("addNoteJdbc", AddNoteJdbc.class, (ctx, args) -> {
            Connection connection = ctx.tx(Connection.class);
            try (PreparedStatement insert =
                    connection.prepareStatement("insert into notes(id, body, owner_id) values (?, ?, ?)")) {
                insert.setString(1, args.id());
                insert.setString(2, args.body());
                insert.setString(3, ctx.actor().id());
                insert.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return MutationResult.of(args.id());
        });
    });

    private static <A> void copy(Mutators.Builder builder, MutatorDefinition<A> definition) {
        builder.mutator(definition.name(), definition.argsType(), definition.body())
                .isolation(definition.isolation());
    }

    @Override
    public SyncRules rules() {
        return Fixtures.seedRules();
    }

    @Override
    public Mutators mutators() {
        return MUTATORS;
    }

    @Produces
    @ApplicationScoped
    ActorResolver actors() {
        return SeedApp.ACTORS;
    }
}
