package dev.nizhal.pull;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.ports.service.NizhalServices;
import dev.nizhal.ports.service.PullDefect;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The seed example's tables on a test database, and an engine over them with migrate done. */
final class SeedDatabase {
    static final byte[] CURSOR_KEY =
            Arrays.copyOf("nizhal-test-cursor-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8), 32);

    static final String SCHEMA = """
            create table notes(id text primary key, body text, owner_id text, updated_at timestamptz default now());
            create table lists(id int8 primary key, name text, owner_id text);
            create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
            create table todos(id uuid primary key, list_id int8, title text, done bool default false,
                               position int4 default 0, due timestamptz);
            create table announcements(id int4 primary key, title text, body text, published bool,
                                       published_at timestamptz, author_email text);
            """;

    private SeedDatabase() {}

    /** Creates the seed tables and returns an engine with the seed rules, migrated. */
    static Nizhal create(TestDatabase db) {
        sql(db, SCHEMA);
        return engine(db, Fixtures.seedRules(), null, PullDefect.NONE);
    }

    static Nizhal engine(TestDatabase db, SyncRules rules, NizhalServices.PullObserver observer, PullDefect defect) {
        Nizhal nizhal = Nizhal.builder()
                .dataSource(db.dataSource())
                .syncRules(rules)
                .cursorKey(CURSOR_KEY)
                .pullObserver(observer)
                .pullDefect(defect)
                .build();
        nizhal.migrate();
        return nizhal;
    }

    static void sql(TestDatabase db, String statements) {
        db.jdbi().useHandle(h -> h.createScript(statements).execute());
    }
}
