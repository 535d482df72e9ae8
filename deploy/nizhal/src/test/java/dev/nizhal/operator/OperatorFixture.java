package dev.nizhal.operator;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** An engine with the admin console enabled over the seed tables, and a mutator that a missing list refuses. */
final class OperatorFixture {
    private OperatorFixture() {}

    record AddTodo(UUID id, long listId, String title) {}

    /** Refuses a todo for a list that does not exist: the mutation an operator replays after the list is made. */
    static final Mutators MUTATORS = Mutators.define(m -> m.mutator("addTodo", AddTodo.class, (ctx, args) -> {
        Handle h = ctx.tx(Handle.class);
        boolean member = h.createQuery("select exists (select 1 from list_members where list_id = :l and user_id = :u)")
                .bind("l", args.listId())
                .bind("u", ctx.actor().id())
                .mapTo(Boolean.class)
                .one();
        if (!member) {
            throw MutationRejected.because("NO_LIST", "list " + args.listId() + " does not exist or is not yours");
        }
        h.createUpdate("insert into todos(id, list_id, title) values (:id, :l, :t)")
                .bind("id", args.id())
                .bind("l", args.listId())
                .bind("t", args.title())
                .execute();
        return MutationResult.of(args.id().toString());
    }));

    static Nizhal engine(TestDatabase db) {
        SeedDatabase.sql(db, SeedDatabase.SCHEMA);
        Nizhal nizhal = Nizhal.builder()
                .dataSource(db.dataSource())
                .syncRules(Fixtures.seedRules())
                .mutators(MUTATORS)
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(SeedDatabase.CURSOR_KEY)
                .operatorConsole(true)
                .build();
        nizhal.migrate();
        return nizhal;
    }

    static PullChanges.PullResponse pull(Nizhal nizhal, String actor, String client, String rule) {
        PullChanges.PullResponse response;
        String cursor = null;
        do {
            response = nizhal.pull(
                    Actor.of(actor), new PullChanges.PullRequest(rule, client, cursor, null, List.of(), 1000));
            cursor = response.cursor();
        } while (response.hasMore());
        return response;
    }
}
