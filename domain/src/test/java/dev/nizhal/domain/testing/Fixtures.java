package dev.nizhal.domain.testing;

import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.PgType;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import java.util.ArrayList;
import java.util.List;

/** The seed's example rules and a live schema they fit, shared by domain tests. */
public final class Fixtures {
    private Fixtures() {}

    /** The seed's example: {@code myNotes}, a {@code sharedLists} membership rule and global announcements. */
    public static SyncRules seedRules() {
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
                                                .columns("id", "name")
                                                .where(b.eq("id", bucket.param("listId"))),
                                        b.table("todos")
                                                .columns("id", "list_id", "title", "done", "position")
                                                .where(b.eq("list_id", bucket.param("listId"))))))
                .rule(
                        "announcements",
                        r -> r.global()
                                .data(bucket -> List.of(b.table("announcements")
                                        .columns("id", "title", "body", "published_at")
                                        .where(b.eq("published", true))))));
    }

    /** A live schema matching {@link #seedRules()}. */
    public static SchemaDescription seedSchema() {
        return SchemaDescription.of(List.of(
                table("notes", List.of("id"), "id text", "body text", "owner_id text", "updated_at timestamptz"),
                table("lists", List.of("id"), "id int8", "name text", "owner_id text"),
                table("list_members", List.of("list_id", "user_id"), "list_id int8", "user_id text"),
                table(
                        "todos",
                        List.of("id"),
                        "id uuid",
                        "list_id int8",
                        "title text",
                        "done bool",
                        "position int4",
                        "due timestamptz"),
                table(
                        "announcements",
                        List.of("id"),
                        "id int4",
                        "title text",
                        "body text",
                        "published bool",
                        "published_at timestamptz",
                        "author_email text")));
    }

    /** A table in schema {@code public}; each column as {@code "name type"} with a built-in type. */
    public static TableSchema table(String name, List<String> primaryKey, String... columns) {
        List<ColumnSchema> list = new ArrayList<>();
        for (String column : columns) {
            String[] parts = column.split(" ");
            list.add(new ColumnSchema(parts[0], PgType.builtIn(parts[1]), true));
        }
        return new TableSchema(new TableName("public", name), list, primaryKey, false);
    }
}
