package dev.nizhal.server;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/**
 * The application the HTTP suites expect on the server under test: the seed's tables and rules ({@code myNotes},
 * {@code sharedLists}, {@code announcements}), the mutators {@code addNote}, {@code editNote} and {@code hold}, and
 * bearer tokens mapped to fixed actors.
 */
final class SeedApp {
    static final String SCHEMA = """
            create table notes(id text primary key, body text, owner_id text, updated_at timestamptz default now());
            create table lists(id int8 primary key, name text, owner_id text);
            create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
            create table todos(id uuid primary key, list_id int8, title text, done bool default false,
                               position int4 default 0, due timestamptz);
            create table announcements(id int4 primary key, title text, body text, published bool,
                                       published_at timestamptz, author_email text);
            """;

    static final byte[] CURSOR_KEY =
            Arrays.copyOf("nizhal-test-http-cursor-key-0123456789".getBytes(StandardCharsets.UTF_8), 32);

    static final String ALICE = "alice-token";
    static final String BOB = "bob-token";
    /** The resolver fails with a message full of things no client may see. */
    static final String BROKEN = "broken-token";
    /** The resolver throws an {@link Error}, which escapes the resources to the servlet container. */
    static final String ERROR = "error-token";

    /** The resolver returns an actor whose id holds U+0000, which PostgreSQL text cannot hold. */
    static final String NUL_ACTOR = "nul-actor-token";
    /** The resolver returns an actor whose id holds half a surrogate pair, which UTF-8 cannot encode. */
    static final String SURROGATE_ACTOR = "surrogate-actor-token";

    private static final String USER_PREFIX = "user-";

    /** A resolver throwing on {@link #BROKEN} a message that would leak if it reached a client. */
    static final String LEAKY_MESSAGE = "org.postgresql.util.PSQLException: SELECT * FROM secrets; insert into x";

    static final ActorResolver ACTORS = token -> switch (token) {
        case ALICE -> Actor.of("alice");
        case BOB -> Actor.of("bob");
        case BROKEN -> throw new IllegalStateException(LEAKY_MESSAGE);
        case ERROR -> throw new AssertionError(LEAKY_MESSAGE);
        case NUL_ACTOR -> Actor.of("nul\u0000actor");
        case SURROGATE_ACTOR -> Actor.of("half\ud800pair");
        default -> {
            if (token.startsWith(USER_PREFIX) && token.length() > USER_PREFIX.length()) {
                yield Actor.of(token.substring(USER_PREFIX.length()));
            }
            throw new SyncException(SyncErrorCode.UNAUTHENTICATED, "unknown token");
        }
    };

    /** The token of an actor of its own, for a test whose buckets no other test writes to. */
    static String tokenOf(String actorId) {
        return USER_PREFIX + actorId;
    }

    record AddNote(String id, @NotNull @Size(max = 10_000) String body) {}

    record EditNote(@NotNull String id, @NotNull String body) {}

    record Hold(@NotNull String id) {}

    /** For {@code hold}: counted down when the mutation with that id has started. */
    static final ConcurrentHashMap<String, CountDownLatch> ENTERED = new ConcurrentHashMap<>();

    /** For {@code hold}: the mutation with that id finishes when this is counted down (or after a minute). */
    static final ConcurrentHashMap<String, CountDownLatch> RELEASE = new ConcurrentHashMap<>();

    static final Mutators MUTATORS = Mutators.define(m -> m.mutator("addNote", AddNote.class, (ctx, args) -> {
                String id = args.id() != null ? args.id() : ctx.newId();
                ctx.tx(Handle.class)
                        .createUpdate("insert into notes(id, body, owner_id) values (:id, :body, :owner)")
                        .bind("id", id)
                        .bind("body", args.body())
                        .bind("owner", ctx.actor().id())
                        .execute();
                return MutationResult.of(id);
            })
            .mutator("editNote", EditNote.class, (ctx, args) -> {
                ctx.tx(Handle.class)
                        .createUpdate("update notes set body = :body where id = :id and owner_id = :owner")
                        .bind("id", args.id())
                        .bind("body", args.body())
                        .bind("owner", ctx.actor().id())
                        .execute();
                if (args.body().startsWith("locked")) {
                    throw MutationRejected.because("LOCKED", "note is locked");
                }
                return MutationResult.empty();
            })
            .mutator("hold", Hold.class, (ctx, args) -> {
                ENTERED.computeIfAbsent(args.id(), id -> new CountDownLatch(1)).countDown();
                try {
                    RELEASE.computeIfAbsent(args.id(), id -> new CountDownLatch(1))
                            .await(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return MutationResult.of(args.id());
            }));

    private SeedApp() {}

    /** The engine over {@code dataSource}, where {@link #SCHEMA} exists; migrated unless told otherwise. */
    static Nizhal engine(DataSource dataSource, boolean migrate) {
        return engine(dataSource, Fixtures.seedRules(), migrate);
    }

    /** The seed's {@code myNotes} rule alone: a change of rules that needs a migration. */
    static SyncRules notesOnly() {
        return SyncRules.define(b -> b.rule(
                "myNotes",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("notes")
                                .columns("id", "body", "owner_id", "updated_at")
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));
    }

    static Nizhal engine(DataSource dataSource, SyncRules rules, boolean migrate) {
        Nizhal nizhal = builder(dataSource, rules).cursorKey(CURSOR_KEY).build();
        if (migrate) {
            nizhal.migrate();
        }
        return nizhal;
    }

    /** The seed's engine before its cursor key. */
    static Nizhal.Builder builder(DataSource dataSource, SyncRules rules) {
        return Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(rules)
                .mutators(MUTATORS)
                .argsCodec(new JacksonArgsCodec());
    }
}
