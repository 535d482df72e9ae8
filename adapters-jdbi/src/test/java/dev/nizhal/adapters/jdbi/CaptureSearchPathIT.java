package dev.nizhal.adapters.jdbi;

import static dev.nizhal.adapters.jdbi.LoggedChange.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.SqlCompiler;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Install reads the catalog on the installing session, whatever its search path: a user's type named like a
 * built-in one, in a schema the search path puts before {@code pg_catalog}, stands in for nothing.
 */
@ExtendWith(PostgresExtension.class)
class CaptureSearchPathIT {

    @Test
    void aTypeNamedLikeABuiltInOneIsNotTakenForIt(TestDatabase database) {
        Jdbi jdbi = database.jdbi();
        // shadow.uuid is a timestamptz, whose text depends on the writer's time zone
        jdbi.useHandle(h -> h.createScript("""
                        create schema shadow;
                        create domain shadow.uuid as pg_catalog.timestamptz;
                        create table public.stamped(at shadow.uuid primary key, owner_id text);
                        """).execute());
        new NizhalSchemaMigration(database.dataSource()).migrate();
        PGSimpleDataSource shadowed = new PGSimpleDataSource();
        shadowed.setURL(database.jdbcUrl());
        shadowed.setUser(database.user());
        shadowed.setPassword(database.password());
        shadowed.setOptions("-c search_path=shadow,pg_catalog,public");
        SyncRules rules = SyncRules.define(b -> b.rule(
                "byOwner",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("stamped")
                                .columns("at", "owner_id")
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));

        new JdbiCaptureTriggers(shadowed)
                .install(SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables())));
        jdbi.useHandle(h -> h.createScript("""
                        set timezone = 'Asia/Kolkata';
                        insert into stamped values ('2026-01-01 00:00:00+00', 'u1');
                        """).execute());

        // the key is the timestamp's text in UTC, as every reader computes it
        assertThat(LoggedChange.entries(jdbi))
                .containsExactly(entry("byOwner[\"u1\"]", "stamped", "2026-01-01 00:00:00+00"));
        List<String> settings = jdbi.withHandle(
                h -> h.createQuery("select unnest(proconfig) from pg_catalog.pg_proc where proname = :name")
                        .bind("name", CaptureFunction.functionName(new TableName("public", "stamped")))
                        .mapTo(String.class)
                        .list());
        assertThat(settings).containsExactlyElementsOf(CaptureFunction.SETTINGS);
    }
}
