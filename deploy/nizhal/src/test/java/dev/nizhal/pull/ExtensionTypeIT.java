package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.service.PullDefect;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys and filters on a column of a type whose operators live outside {@code pg_catalog}: {@code citext}, installed in
 * a schema that is on no search path (as an extension schema often is). Its comparisons must be its own, in the pull's
 * SQL and in the capture triggers alike; PostgreSQL would otherwise fall back to {@code text}'s through citext's
 * implicit cast, silently: case-sensitive where citext is not, and ordered differently from the key's own index.
 */
@ExtendWith(PostgresExtension.class)
class ExtensionTypeIT {
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, """
                create schema ext;
                create extension citext schema ext;
                create table people(id ext.citext collate "C" primary key, name text, team ext.citext);
                create table teams(id text primary key, name ext.citext);
                create domain public.handle as ext.citext;
                create table tags(owner public.handle collate "C", n int4, label text, primary key (owner, n));
                """);
        SyncRules rules = SyncRules.define(b -> b.rule(
                        "people",
                        r -> r.global().data(bucket -> List.of(b.table("people").columns("id", "name", "team"))))
                .rule(
                        "tags",
                        r -> r.global().data(bucket -> List.of(b.table("tags").columns("owner", "n", "label"))))
                .rule(
                        "core",
                        r -> r.global()
                                .data(bucket -> List.of(
                                        b.table("teams").columns("id", "name").where(b.eq("name", "Core"))))));
        nizhal = SeedDatabase.engine(db, rules, null, PullDefect.NONE);
    }

    @Test
    void aLoadPagedByACitextKeyDeliversEveryRowInTheKeysOwnOrder() {
        // citext orders 'a' < 'Abc' < 'B' < 'c'; text under collation C orders 'Abc' < 'B' < 'a' < 'c'
        sql(db, "insert into people(id, name) values ('a', 'x'), ('Abc', 'x'), ('B', 'x'), ('c', 'x')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("pager"), "c-pager", "people");

        client.sync(1, 20);

        assertThat(client.keys("people")).contains("a", "Abc", "B", "c");
    }

    @Test
    void aLoadPagedByACompositeKeyOfADomainOverCitextDeliversEveryRow() {
        sql(
                db,
                "insert into tags(owner, n, label) values ('a', 1, 'x'), ('a', 2, 'x'), ('Abc', 1, 'x'), ('B', 1, 'x'),"
                        + " ('c', 1, 'x')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("tagger"), "c-tagger", "tags");

        client.sync(1, 20);

        assertThat(client.keys("tags"))
                .containsExactlyInAnyOrder("[\"a\",1]", "[\"a\",2]", "[\"Abc\",1]", "[\"B\",1]", "[\"c\",1]");

        sql(db, "update tags set label = 'changed' where owner = 'Abc' and n = 1");
        client.sync();
        assertThat(client.rows("tags").get("[\"Abc\",1]")).containsEntry("label", "changed");
    }

    @Test
    void changesToARowKeyedByACitextValueArePulled() {
        sql(db, "insert into people(id, name) values ('Mixed', 'before')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("changes"), "c-changes", "people");
        client.sync();
        assertThat(client.rows("people").get("Mixed")).containsEntry("name", "before");

        sql(db, "update people set name = 'after' where id OPERATOR(ext.=) 'MIXED'");
        client.sync();
        assertThat(client.rows("people").get("Mixed")).containsEntry("name", "after");

        sql(db, "delete from people where id OPERATOR(ext.=) 'mixed'");
        client.sync();
        assertThat(client.keys("people")).doesNotContain("Mixed");
    }

    @Test
    void aFilterOnACitextColumnMatchesAsCitextDoesInTheLoadAndInTheCapture() {
        sql(db, "insert into teams(id, name) values ('t1', 'core'), ('t2', 'Other')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("filter"), "c-filter", "core");
        client.sync();
        assertThat(client.keys("teams")).as("loaded").containsExactly("t1");

        sql(db, "insert into teams(id, name) values ('t3', 'CORE')");
        sql(db, "update teams set name = 'cOrE' where id = 't2'");
        sql(db, "update teams set name = 'elsewhere' where id = 't1'");
        client.sync();

        assertThat(client.keys("teams")).as("captured").containsExactlyInAnyOrder("t2", "t3");
    }
}
