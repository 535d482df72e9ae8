package dev.nizhal.faults;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.ports.out.ActorResolver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/**
 * The application these faults run: counters whose increment no primary key protects (a mutation applied twice shows
 * as a count one too high), and time-stamped rows keyed by a {@code timestamptz} (whose key text depends on the session
 * time zone unless the engine pins it). One rule, {@code myCounters}: an actor's bucket holds the rows it owns.
 */
final class CounterApp {
    static final String RULE = "myCounters";

    static final String SCHEMA = """
            create table counters(id text primary key, owner_id text not null, n int8 not null,
                                  updated_at timestamptz not null default now());
            create table stamps(at timestamptz primary key, owner_id text not null, note text);
            """;

    static final byte[] CURSOR_KEY =
            Arrays.copyOf("nizhal-faults-cursor-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8), 32);

    private static final String TOKEN_PREFIX = "t-";

    /** Bearer {@code t-<actor>} is that actor: the faults are about the database and the network, not about tokens. */
    static final ActorResolver ACTORS = token -> {
        if (token.startsWith(TOKEN_PREFIX) && token.length() > TOKEN_PREFIX.length()) {
            return Actor.of(token.substring(TOKEN_PREFIX.length()));
        }
        throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "unknown token");
    };

    static String tokenOf(String actor) {
        return TOKEN_PREFIX + actor;
    }

    record Bump(String id) {}

    record Stamp(String note) {}

    /**
     * {@code bump}: adds one to the actor's counter (created at 1), answers the new count as its server id, so a replay
     * that answers the recorded outcome says the count the first run saw. {@code stamp}: a row keyed by the database's
     * transaction time.
     */
    static final Mutators MUTATORS = Mutators.define(m -> m.mutator("bump", Bump.class, (ctx, args) -> {
                Optional<Long> n = ctx.tx(Handle.class)
                        .createQuery("insert into counters(id, owner_id, n) values (:id, :owner, 1)"
                                + " on conflict (id) do update set n = counters.n + 1, updated_at = now()"
                                + " where counters.owner_id = excluded.owner_id returning n")
                        .bind("id", args.id())
                        .bind("owner", ctx.actor().id())
                        .mapTo(Long.class)
                        .findOne();
                return MutationResult.of(
                        n.orElseThrow(() -> MutationRejected.because("NOT_YOURS", "another actor's counter")));
            })
            .mutator("stamp", Stamp.class, (ctx, args) -> {
                String at = ctx.tx(Handle.class)
                        .createQuery("insert into stamps(at, owner_id, note) values (clock_timestamp(), :owner, :note)"
                                + " returning at::text")
                        .bind("owner", ctx.actor().id())
                        .bind("note", args.note())
                        .mapTo(String.class)
                        .one();
                return MutationResult.of(at);
            }));

    static SyncRules rules() {
        return SyncRules.define(b -> b.rule(
                RULE,
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(
                                b.table("counters")
                                        .columns("id", "owner_id", "n", "updated_at")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))),
                                b.table("stamps")
                                        .columns("at", "owner_id", "note")
                                        .where(b.eq("owner_id", bucket.param("ownerId")))))));
    }

    /** The bucket an actor's rows are in. */
    static String bucketOf(String actor) {
        return RULE + "[\"" + actor + "\"]";
    }

    private CounterApp() {}

    static void createSchema(TestDatabase db) {
        db.jdbi().useHandle(h -> h.createScript(SCHEMA).execute());
    }

    /** The engine over {@code dataSource} (the schema exists), migrated. */
    static Nizhal engine(DataSource dataSource) {
        Nizhal nizhal = Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(rules())
                .mutators(MUTATORS)
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(CURSOR_KEY)
                .build();
        nizhal.migrate();
        return nizhal;
    }

    /** A small pool on {@code jdbcUrl}, failing fast when no connection can be had (a fault is expected). */
    static HikariDataSource pool(String jdbcUrl, TestDatabase db, Consumer<HikariConfig> more) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(6);
        config.setConnectionTimeout(Duration.ofSeconds(1).toMillis());
        config.setValidationTimeout(Duration.ofMillis(500).toMillis());
        more.accept(config);
        return new HikariDataSource(config);
    }
}
