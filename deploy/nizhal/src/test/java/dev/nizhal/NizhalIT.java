package dev.nizhal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.lint.LintCode;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.domain.testing.Fixtures;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's wiring, on a real database: rules are linted against the live schema when the engine is built. */
@ExtendWith(PostgresExtension.class)
class NizhalIT {

    record AddNote(String id, String body) {}

    private static final Mutators MUTATORS = Mutators.define(m -> m.mutator("addNote", AddNote.class, (ctx, args) -> {
        ctx.tx(Handle.class)
                .createUpdate("insert into notes(id, body, owner_id) values (:id, :body, :owner)")
                .bind("id", args.id())
                .bind("body", args.body())
                .bind("owner", ctx.actor().id())
                .execute();
        return MutationResult.of(args.id());
    }));

    @Test
    void buildRefusesRulesThatDoNotFitTheLiveSchemaThenAcceptsThemOnceItDoes(TestDatabase db) {
        db.jdbi()
                .useHandle(h -> h.execute(
                        "create table notes(id text primary key, body text, owner_id text, updated_at timestamptz)"));

        assertThatThrownBy(() -> Nizhal.builder()
                        .dataSource(db.dataSource())
                        .syncRules(Fixtures.seedRules())
                        .mutators(MUTATORS)
                        .build())
                .isInstanceOfSatisfying(
                        InvalidSyncRulesException.class,
                        e -> assertThat(e.report().errors())
                                .extracting(LintFinding::code, LintFinding::table)
                                .contains(
                                        org.assertj.core.groups.Tuple.tuple(LintCode.UNKNOWN_TABLE, "lists"),
                                        org.assertj.core.groups.Tuple.tuple(LintCode.UNKNOWN_TABLE, "todos")))
                .hasMessageContaining("UNKNOWN_TABLE");

        db.jdbi().useHandle(h -> h.createScript("""
                create table lists(id int8 primary key, name text, owner_id text);
                create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
                create table todos(id uuid primary key, list_id int8, title text, done bool, position int4,
                                   due timestamptz);
                create table announcements(id int4 primary key, title text, body text, published bool,
                                           published_at timestamptz, author_email text);
                """).execute());
        Nizhal nizhal = Nizhal.builder()
                .dataSource(db.dataSource())
                .syncRules(Fixtures.seedRules())
                .mutators(MUTATORS)
                .build();

        assertThat(nizhal.lint().findings()).isEmpty();
    }
}
