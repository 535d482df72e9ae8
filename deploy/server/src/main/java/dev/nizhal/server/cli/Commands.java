package dev.nizhal.server.cli;

import dev.nizhal.Nizhal;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.server.NizhalApp;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The operations besides {@code serve}: {@code migrate}, {@code lint}, {@code rotate-identity}, {@code
 * forget-cursor-key}.
 */
final class Commands {
    private Commands() {}

    /** What each subcommand has: the shared settings and the CLI it runs in. */
    abstract static class Subcommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        DatabaseOptions database;

        final NizhalCli cli;

        Subcommand(NizhalCli cli) {
            this.cli = cli;
        }

        NizhalApp app() {
            return AppLoader.load(database.app, cli.classLoader(), spec.commandLine());
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(
            name = "migrate",
            mixinStandardHelpOptions = true,
            description = {
                "Prepares the app (its own tables), then creates or upgrades schema nizhal and the capture triggers"
                        + " compiled from the rules. Safe to re-run."
            })
    static final class Migrate extends Subcommand {
        Migrate(NizhalCli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            NizhalApp app = app();
            try (Database db = Database.open(database)) {
                app.prepare(db.dataSource());
                boolean regenerated =
                        Engine.buildOrFail(app, db.dataSource(), null).migrate();
                out().println(
                                regenerated
                                        ? "migrated " + db.description() + ": capture triggers (re)generated"
                                        : "migrated " + db.description() + ": already current");
                return 0;
            }
        }
    }

    @Command(
            name = "lint",
            mixinStandardHelpOptions = true,
            description = {
                "Lints the rules against the live schema as it is and prints the report. Exit code 1 when the rules"
                        + " are refused (any error)."
            })
    static final class Lint extends Subcommand {
        Lint(NizhalCli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            NizhalApp app = app();
            try (Database db = Database.open(database)) {
                try {
                    Nizhal nizhal = Engine.build(app, db.dataSource(), null);
                    out().print(nizhal.lint().render());
                    out().flush();
                    return 0;
                } catch (InvalidSyncRulesException e) {
                    out().print(e.report().render());
                    out().println("the sync rules are refused: serve and migrate will not run them");
                    return 1;
                }
            }
        }
    }

    @Command(
            name = "rotate-identity",
            mixinStandardHelpOptions = true,
            description = {
                "Gives the database a new identity: every client resets on its next pull. Run it after a restore or a"
                        + " failover."
            })
    static final class RotateIdentity extends Subcommand {
        RotateIdentity(NizhalCli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            NizhalApp app = app();
            try (Database db = Database.open(database)) {
                Nizhal nizhal = Engine.buildOrFail(app, db.dataSource(), null);
                if (!nizhal.health().migrationsCurrent()) {
                    throw new IllegalStateException(
                            db.description() + " is not migrated for these rules: run `nizhal migrate` first");
                }
                nizhal.rotateIdentity();
                out().println("rotated the identity of " + db.description() + ": every client resets on its next pull");
                return 0;
            }
        }
    }

    @Command(
            name = "forget-cursor-key",
            mixinStandardHelpOptions = true,
            description = {
                "Forgets which cursor key the instances of the database sign with, so that the next instance to serve"
                        + " stores its own. To change the key: stop every instance, run this, start them all with the"
                        + " new key. Every client resets once."
            })
    static final class ForgetCursorKey extends Subcommand {
        ForgetCursorKey(NizhalCli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            NizhalApp app = app();
            try (Database db = Database.open(database)) {
                Engine.buildOrFail(app, db.dataSource(), null).forgetCursorKey();
                out().println("forgot the cursor key of " + db.description()
                        + ": the next instance to serve stores its own; every client resets once");
                return 0;
            }
        }
    }
}
