package dev.nizhal.demo;

import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The demo's two apps on one engine: the seed's notes app (rule {@code myNotes}; mutators {@code addNote},
 * {@code editNote}, {@code deleteNote}) and a shared-lists app with membership buckets (rule {@code sharedLists};
 * {@code createList}, {@code addMember}, {@code removeMember}, {@code addTodo}, {@code toggleTodo}). Authorization is
 * each mutator's job: it has the actor.
 */
public final class DemoApp {
    private DemoApp() {}

    /** The demo's sync rules. */
    public static SyncRules rules() {
        return SyncRules.define(b -> b.rule(
                        "myNotes",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("notes")
                                        .columns("id", "body", "owner_id", "updated_at")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        "sharedLists",
                        r -> r.parameters(p -> p.fromQuery(
                                        "listId",
                                        b.table("list_members")
                                                .select("list_id")
                                                .where(b.eq("user_id", p.actorId()))))
                                .data(bucket -> List.of(
                                        b.table("lists")
                                                .columns("id", "name", "owner_id")
                                                .where(b.eq("id", bucket.param("listId"))),
                                        b.table("todos")
                                                .columns("id", "list_id", "title", "done", "position")
                                                .where(b.eq("list_id", bucket.param("listId")))))));
    }

    public record AddNote(
            @Size(max = 64) String id,
            @NotNull @Size(max = 10_000) String body) {}

    public record EditNote(
            @NotNull @Size(max = 64) String id,
            @NotNull @Size(max = 10_000) String body) {}

    public record DeleteNote(@NotNull @Size(max = 64) String id) {}

    public record CreateList(
            @Size(max = 64) String id,
            @NotNull @Size(min = 1, max = 200) String name) {}

    public record Member(
            @NotNull @Size(max = 64) String listId,
            @NotNull @Size(min = 1, max = 200) String userId) {}

    public record AddTodo(
            @Size(max = 64) String id,
            @NotNull @Size(max = 64) String listId,
            @NotNull @Size(max = 500) String title) {}

    /** Carries the target value: optimistic effects are absolute, so re-applying it is harmless. */
    public record ToggleTodo(@NotNull @Size(max = 64) String id, boolean done) {}

    /** The demo's mutators. */
    public static Mutators mutators() {
        return Mutators.define(DemoApp::defineMutators);
    }

    /** Adds the demo's mutators to {@code m} (a deployment may add its own beside them). */
    public static void defineMutators(Mutators.Builder m) {
        m.mutator("addNote", AddNote.class, (ctx, args) -> {
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
                    int changed = ctx.tx(Handle.class)
                            .createUpdate("update notes set body = :body, updated_at = now()"
                                    + " where id = :id and owner_id = :owner")
                            .bind("id", args.id())
                            .bind("body", args.body())
                            .bind("owner", ctx.actor().id())
                            .execute();
                    if (changed == 0) {
                        throw MutationRejected.because("NOT_FOUND", "no note of yours has this id");
                    }
                    return MutationResult.empty();
                })
                .mutator("deleteNote", DeleteNote.class, (ctx, args) -> {
                    // deleting what is already gone is fine: a replayed optimistic delete converges
                    ctx.tx(Handle.class)
                            .createUpdate("delete from notes where id = :id and owner_id = :owner")
                            .bind("id", args.id())
                            .bind("owner", ctx.actor().id())
                            .execute();
                    return MutationResult.empty();
                })
                .mutator("createList", CreateList.class, (ctx, args) -> {
                    String id = args.id() != null ? args.id() : ctx.newId();
                    Handle h = ctx.tx(Handle.class);
                    h.createUpdate("insert into lists(id, name, owner_id) values (:id, :name, :owner)")
                            .bind("id", id)
                            .bind("name", args.name())
                            .bind("owner", ctx.actor().id())
                            .execute();
                    h.createUpdate("insert into list_members(list_id, user_id) values (:id, :owner)")
                            .bind("id", id)
                            .bind("owner", ctx.actor().id())
                            .execute();
                    return MutationResult.of(id);
                })
                .mutator("addMember", Member.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    requireOwner(h, args.listId(), ctx.actor().id());
                    h.createUpdate("insert into list_members(list_id, user_id) values (:list, :user)"
                                    + " on conflict do nothing")
                            .bind("list", args.listId())
                            .bind("user", args.userId())
                            .execute();
                    return MutationResult.empty();
                })
                .mutator("removeMember", Member.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    if (!args.userId().equals(ctx.actor().id())) {
                        requireOwner(h, args.listId(), ctx.actor().id()); // anyone may leave; owners remove
                    }
                    h.createUpdate("delete from list_members where list_id = :list and user_id = :user")
                            .bind("list", args.listId())
                            .bind("user", args.userId())
                            .execute();
                    return MutationResult.empty();
                })
                .mutator("addTodo", AddTodo.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    requireMember(h, args.listId(), ctx.actor().id());
                    String id = args.id() != null ? args.id() : ctx.newId();
                    h.createUpdate("insert into todos(id, list_id, title, position) values (:id, :list, :title,"
                                    + " (select coalesce(max(position), 0) + 1 from todos where list_id = :list))")
                            .bind("id", id)
                            .bind("list", args.listId())
                            .bind("title", args.title())
                            .execute();
                    return MutationResult.of(id);
                })
                .mutator("toggleTodo", ToggleTodo.class, (ctx, args) -> {
                    Handle h = ctx.tx(Handle.class);
                    String list = h.createQuery("select list_id from todos where id = :id for update")
                            .bind("id", args.id())
                            .mapTo(String.class)
                            .findOne()
                            .orElseThrow(() -> MutationRejected.because("NOT_FOUND", "there is no such todo"));
                    requireMember(h, list, ctx.actor().id());
                    h.createUpdate("update todos set done = :done where id = :id")
                            .bind("id", args.id())
                            .bind("done", args.done())
                            .execute();
                    return MutationResult.empty();
                });
    }

    private static void requireOwner(Handle h, String listId, String actor) {
        boolean owner = h.createQuery("select exists(select 1 from lists where id = :list and owner_id = :actor)")
                .bind("list", listId)
                .bind("actor", actor)
                .mapTo(Boolean.class)
                .one();
        if (!owner) {
            throw MutationRejected.because("NOT_OWNER", "only the list's owner may change its members");
        }
    }

    private static void requireMember(Handle h, String listId, String actor) {
        boolean member = h.createQuery(
                        "select exists(select 1 from list_members where list_id = :list and user_id = :actor)")
                .bind("list", listId)
                .bind("actor", actor)
                .mapTo(Boolean.class)
                .one();
        if (!member) {
            throw MutationRejected.because("NOT_A_MEMBER", "you are not a member of this list");
        }
    }

    /** Creates the demo's tables if they are missing (safe to re-run). */
    public static void createSchema(DataSource dataSource) {
        try (InputStream in = DemoApp.class.getResourceAsStream("schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("schema.sql is missing from the demo's resources");
            }
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Jdbi.create(dataSource).useHandle(h -> h.createScript(sql).execute());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
