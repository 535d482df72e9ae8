package dev.nizhal.server.cli;

import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.server.NizhalApp;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Apps for the CLI's tests. */
public final class TestApps {
    private TestApps() {}

    record AddNote(String id, String body) {}

    /** Notes per owner; creates its table in {@link #prepare}. */
    public static final class Notes implements NizhalApp {
        @Override
        public SyncRules rules() {
            return SyncRules.define(b -> b.rule(
                    "myNotes",
                    r -> r.parameters(p -> p.fromActor("ownerId"))
                            .data(bucket -> List.of(b.table("notes")
                                    .columns("id", "body", "owner_id")
                                    .where(b.eq("owner_id", bucket.param("ownerId")))))));
        }

        @Override
        public Mutators mutators() {
            return Mutators.define(m -> m.mutator("addNote", AddNote.class, (ctx, args) -> {
                ctx.tx(Handle.class)
                        .createUpdate("insert into notes(id, body, owner_id) values (:id, :body, :owner)")
                        .bind("id", args.id())
                        .bind("body", args.body())
                        .bind("owner", ctx.actor().id())
                        .execute();
                return MutationResult.of(args.id());
            }));
        }

        @Override
        public void prepare(DataSource dataSource) {
            Jdbi.create(dataSource)
                    .useHandle(h -> h.execute(
                            "create table if not exists notes(id text primary key, body text, owner_id text)"));
        }
    }

    /** Rules that read a table without a filter: the linter refuses them. */
    public static final class Leaky implements NizhalApp {
        @Override
        public SyncRules rules() {
            return SyncRules.define(b -> b.rule(
                    "everything",
                    r -> r.parameters(p -> p.fromActor("ownerId"))
                            .data(bucket -> List.of(b.table("notes").columns("id", "body", "owner_id")))));
        }

        @Override
        public Mutators mutators() {
            return Mutators.define(m -> {});
        }
    }

    /** A second app, for "several apps found". */
    public static final class Other implements NizhalApp {
        @Override
        public SyncRules rules() {
            return new Notes().rules();
        }

        @Override
        public Mutators mutators() {
            return Mutators.define(m -> {});
        }
    }

    /** An app whose constructor throws. */
    public static final class Failing implements NizhalApp {
        public Failing() {
            throw new IllegalStateException("no config for the failing app");
        }

        @Override
        public SyncRules rules() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Mutators mutators() {
            throw new UnsupportedOperationException();
        }
    }

    /** A class loader whose ServiceLoader entries for {@link NizhalApp} are {@code classNames}. */
    static ClassLoader serviceLoader(Path folder, String... classNames) throws IOException {
        Path services = folder.resolve("services-root/META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(NizhalApp.class.getName()), String.join("\n", classNames) + "\n");
        return new URLClassLoader(
                new URL[] {folder.resolve("services-root").toUri().toURL()}, TestApps.class.getClassLoader());
    }
}
