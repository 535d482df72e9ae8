package dev.nizhal.push;

import dev.nizhal.Nizhal;
import dev.nizhal.NizhalTestSeams;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushRequest;
import dev.nizhal.ports.service.NizhalServices;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/** The seed tables plus a few for push faults, the mutators the push tests use, and engines over them. */
final class PushFixture {
    static final String SCHEMA = SeedDatabase.SCHEMA + """
            create table counters(id text primary key, value int8 not null);
            create table parents(id text primary key);
            create table children(id text primary key,
                                  parent_id text references parents(id) deferrable initially deferred);
            """;

    /**
     * The seed tables, parents and children without a deferrable constraint (children's parent is no foreign key):
     * a database where no body's end checks deferred constraints, as the optimistic groups' tests need.
     */
    static final String SCHEMA_WITHOUT_DEFERRABLE = SeedDatabase.SCHEMA + """
            create table parents(id text primary key);
            create table children(id text primary key, parent_id text);
            """;

    /** List 7 ({@code groceries}) of alice, alice a member of it, and the todo {@code todo} (position 0) in it. */
    static void aliceListWithTodo(TestDatabase db, String todo) {
        sql(db, """
                insert into lists values (7, 'groceries', 'alice');
                insert into list_members values (7, 'alice');
                """);
        sql(db, "insert into todos(id, list_id, title) values ('" + todo + "', 7, 'milk')");
    }

    record AddNote(String id, @NotNull @Size(max = 10_000) String body) {}

    record EditNote(@NotNull String id, @NotNull String body) {}

    record Id(@NotNull String id) {}

    record Bump(@NotNull String counter) {}

    record Pair(@NotNull String first, @NotNull String second) {}

    record ListId(long list) {}

    /** Named callbacks a test plugs into the {@code hook} mutator (fault injection inside a mutator body). */
    static final ConcurrentHashMap<String, Consumer<Handle>> HOOKS = new ConcurrentHashMap<>();

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
                Handle h = ctx.tx(Handle.class);
                h.createUpdate("update notes set body = :body where id = :id")
                        .bind("id", args.id())
                        .bind("body", args.body())
                        .execute();
                if (args.body().startsWith("locked")) {
                    throw MutationRejected.because("LOCKED", "note is locked");
                }
                return MutationResult.empty();
            })
            .mutator("giveNote", Id.class, (ctx, args) -> {
                // writes a note of somebody else: its bucket is not the actor's
                ctx.tx(Handle.class)
                        .createUpdate("insert into notes(id, body, owner_id) values (:id, 'gift', 'someone-else')")
                        .bind("id", args.id())
                        .execute();
                return MutationResult.of(args.id());
            })
            .mutator("orphan", Id.class, (ctx, args) -> {
                ctx.tx(Handle.class)
                        .createUpdate("insert into children(id, parent_id) values (:id, 'missing')")
                        .bind("id", args.id())
                        .execute();
                return MutationResult.empty();
            })
            .mutator("adopt", Id.class, (ctx, args) -> {
                // the child first, its parent after: valid only because the foreign key is checked at the end
                Handle h = ctx.tx(Handle.class);
                h.createUpdate("insert into children(id, parent_id) values (:id, :id)")
                        .bind("id", args.id())
                        .execute();
                h.createUpdate("insert into parents(id) values (:id)")
                        .bind("id", args.id())
                        .execute();
                return MutationResult.empty();
            })
            .mutator("hook", Id.class, (ctx, args) -> {
                Handle h = ctx.tx(Handle.class);
                h.createUpdate("insert into notes(id, body, owner_id) values (:id, 'hooked', :owner)")
                        .bind("id", args.id())
                        .bind("owner", ctx.actor().id())
                        .execute();
                Consumer<Handle> hook = HOOKS.get(args.id());
                if (hook != null) {
                    hook.accept(h);
                }
                return MutationResult.of(args.id());
            })
            .mutator("bump", Bump.class, (ctx, args) -> {
                Handle h = ctx.tx(Handle.class);
                // reads the counters of its own group (the first letter), writes its own: a write-skew pair
                long sum = h.createQuery(
                                "select coalesce(sum(value), 0) from counters where left(id, 1) = left(:id, 1)")
                        .bind("id", args.counter())
                        .mapTo(Long.class)
                        .one();
                h.createUpdate("insert into counters values (:id, :v) on conflict (id) do update set value = :v")
                        .bind("id", args.counter())
                        .bind("v", sum + 1)
                        .execute();
                Consumer<Handle> hook = HOOKS.get("bump:" + args.counter());
                if (hook != null) {
                    hook.accept(h);
                }
                return MutationResult.empty();
            })
            .isolation(Isolation.SERIALIZABLE)
            .mutator("increment", Id.class, (ctx, args) -> {
                // a counter no key protects: every run of the body adds one, so running it twice shows
                ctx.tx(Handle.class)
                        .createUpdate("update todos set position = position + 1 where id = cast(:id as uuid)")
                        .bind("id", args.id())
                        .execute();
                return MutationResult.empty();
            })
            .mutator("mark", Bump.class, (ctx, args) -> {
                // writes its own counter and reads nothing: two marks never conflict with each other
                Handle h = ctx.tx(Handle.class);
                h.createUpdate("insert into counters values (:id, 1)")
                        .bind("id", args.counter())
                        .execute();
                Consumer<Handle> hook = HOOKS.get("mark:" + args.counter());
                if (hook != null) {
                    hook.accept(h);
                }
                return MutationResult.empty();
            })
            .isolation(Isolation.SERIALIZABLE)
            .mutator("leaveList", ListId.class, (ctx, args) -> {
                // a grant change: the actor is no longer granted the list's bucket
                ctx.tx(Handle.class)
                        .createUpdate("delete from list_members where list_id = :list and user_id = :actor")
                        .bind("list", args.list())
                        .bind("actor", ctx.actor().id())
                        .execute();
                return MutationResult.empty();
            })
            .mutator("lockTwo", Pair.class, (ctx, args) -> {
                Handle h = ctx.tx(Handle.class);
                h.createUpdate("update counters set value = value + 1 where id = :id")
                        .bind("id", args.first())
                        .execute();
                Consumer<Handle> hook = HOOKS.get("lockTwo:" + args.first());
                if (hook != null) {
                    hook.accept(h);
                }
                h.createUpdate("update counters set value = value + 1 where id = :id")
                        .bind("id", args.second())
                        .execute();
                return MutationResult.empty();
            }));

    private PushFixture() {}

    static Nizhal engine(DataSource dataSource, NizhalServices.PushHooks hooks) {
        Nizhal nizhal = NizhalTestSeams.pushHooks(
                        Nizhal.builder()
                                .dataSource(dataSource)
                                .syncRules(Fixtures.seedRules())
                                .mutators(MUTATORS)
                                .argsCodec(new JacksonArgsCodec())
                                .cursorKey(SeedDatabase.CURSOR_KEY),
                        hooks)
                .build();
        nizhal.migrate();
        return nizhal;
    }

    static void sql(TestDatabase db, String statements) {
        SeedDatabase.sql(db, statements);
    }

    static PushRequest push(String clientId, MutationRequest... mutations) {
        return new PushRequest(clientId, List.of(mutations));
    }

    static MutationRequest m(long id, String name, String args) {
        return new MutationRequest(id, name, args);
    }

    static List<Long> countAll(TestDatabase db, String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).list());
    }

    static long count(TestDatabase db, String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
