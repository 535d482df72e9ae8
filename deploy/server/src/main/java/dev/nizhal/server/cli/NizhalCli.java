package dev.nizhal.server.cli;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.server.NizhalServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * The {@code nizhal} command line: {@code serve}, {@code migrate}, {@code lint}, {@code rotate-identity} and {@code
 * forget-cursor-key} for the {@link dev.nizhal.server.NizhalApp} on the class path. Settings come from flags, then {@code NIZHAL_*} environment
 * variables, then the {@code --config} properties file, then defaults.
 *
 * <p>Exit codes: 0 success; 1 failure (database unreachable, rules refused, a lint with errors); 2 usage (an unknown
 * option, a bad or missing setting, an app that cannot be found). A failure prints one line; {@code --verbose} adds
 * the stack trace.
 *
 * <p>In process, e.g. to print something once the server is up:
 *
 * <pre>{@code
 * int exit = NizhalCli.create().onServing(serving -> System.out.println(serving.uri())).execute("serve");
 * }</pre>
 */
public final class NizhalCli {
    private Map<String, String> environment = System.getenv();
    private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
    private PrintWriter out = new PrintWriter(System.out, true);
    private PrintWriter err = new PrintWriter(System.err, true);
    private Consumer<Serving> onServing = serving -> {};
    private BiConsumer<NizhalServer.Builder, Issuer> beforeStart = (server, issuer) -> {};
    private volatile Serving serving;

    private NizhalCli() {}

    /** A CLI on the process's environment, class loader and standard streams. */
    public static NizhalCli create() {
        return new NizhalCli();
    }

    public static void main(String[] args) {
        quietLibraryLogs();
        NizhalCli cli = create();
        int exit = cli.execute(args);
        cli.out.flush();
        cli.err.flush();
        // a running server keeps the process alive; the shutdown hook stops it
        if (exit != 0 || cli.serving == null) {
            System.exit(exit);
        }
    }

    /** The environment variables to read settings from ({@link System#getenv()} unless set). */
    public NizhalCli environment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** Where {@code --app} classes and ServiceLoader entries are looked up. */
    public NizhalCli classLoader(ClassLoader classLoader) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        return this;
    }

    public NizhalCli out(PrintWriter out) {
        this.out = Objects.requireNonNull(out, "out");
        return this;
    }

    public NizhalCli err(PrintWriter err) {
        this.err = Objects.requireNonNull(err, "err");
        return this;
    }

    /**
     * Called by {@code serve} with the server's builder and the token issuer it verifies, after the app's own {@link
     * dev.nizhal.server.NizhalApp#configure} and before the server starts (the demo adds its page and login here).
     */
    public NizhalCli beforeStart(BiConsumer<NizhalServer.Builder, Issuer> customizer) {
        this.beforeStart = Objects.requireNonNull(customizer, "customizer");
        return this;
    }

    /** Called by {@code serve} once the server listens. */
    public NizhalCli onServing(Consumer<Serving> listener) {
        this.onServing = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Runs one command line. {@code serve} returns once the server listens: it runs until {@link Serving#stop()} or
     * the end of the process.
     *
     * @return the exit code (0, 1 or 2, see the class comment)
     */
    public int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with its subcommands and handlers, for tests that only parse. */
    CommandLine commandLine() {
        CommandLine top = new CommandLine(new Top())
                .addSubcommand(new Serve(this))
                .addSubcommand(new Commands.Migrate(this))
                .addSubcommand(new Commands.Lint(this))
                .addSubcommand(new Commands.RotateIdentity(this))
                .addSubcommand(new Commands.ForgetCursorKey(this))
                .addSubcommand(new AdminToken(this));
        top.setCaseInsensitiveEnumValuesAllowed(true);
        top.setDefaultValueProvider(new ConfigDefaults(environment));
        top.setOut(out);
        top.setErr(err);
        top.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr()
                    .println("nizhal: " + e.getMessage() + " (see: "
                            + failed.getCommandSpec().qualifiedName() + " --help)");
            failed.getErr().flush();
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        top.setExecutionExceptionHandler((e, failed, parseResult) -> {
            failed.getErr().println("nizhal: " + Database.firstLine(e));
            if (failed.getCommand() instanceof Commands.Subcommand command && command.database.verbose) {
                e.printStackTrace(failed.getErr());
            }
            failed.getErr().flush();
            return failed.getCommandSpec().exitCodeOnExecutionException();
        });
        return top;
    }

    ClassLoader classLoader() {
        return classLoader;
    }

    void beforeStart(NizhalServer.Builder server, Issuer issuer) {
        beforeStart.accept(server, issuer);
    }

    void started(Serving serving) {
        this.serving = serving;
        onServing.accept(serving);
    }

    /** Keeps the libraries' start-up chatter out of the CLI's output unless a log setting says otherwise. */
    private static void quietLibraryLogs() {
        for (String logger : new String[] {"com.zaxxer.hikari", "io.zonky.test", "org.eclipse.jetty", "org.flywaydb"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** A server that {@code serve} started: where it listens, how tokens are verified, and how to stop it. */
    public static final class Serving {
        private final NizhalServer server;
        private final Nizhal nizhal;
        private final Path dataDirectory;
        private final Issuer issuer;
        private final Database database;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final Thread shutdownHook;

        Serving(NizhalServer server, Nizhal nizhal, Path dataDirectory, Issuer issuer, Database database) {
            this.server = server;
            this.nizhal = nizhal;
            this.dataDirectory = dataDirectory;
            this.issuer = issuer;
            this.database = database;
            this.shutdownHook = new Thread(this::release, "nizhal-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            // one hook, in order: the server drains its requests, then the database closes
            database.handOverShutdown();
        }

        public NizhalServer server() {
            return server;
        }

        /** {@code http://<host>:<port>/}. */
        public URI uri() {
            return server.uri();
        }

        /** The data folder (absolute): the embedded PostgreSQL's data and the generated keys, when used. */
        public Path dataDirectory() {
            return dataDirectory;
        }

        /** The token issuer the server trusts, e.g. to sign development tokens when it has an HMAC secret. */
        public Issuer issuer() {
            return issuer;
        }

        /**
         * Stops the server gracefully, writes what the engine still holds (the console's last pull observations),
         * then closes the database (and the embedded PostgreSQL). Idempotent.
         */
        public void stop() {
            release();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the process is already shutting down: the hook runs or ran
            }
        }

        private void release() {
            if (stopped.compareAndSet(false, true)) {
                try {
                    server.stop();
                } finally {
                    try {
                        nizhal.close();
                    } finally {
                        database.close();
                    }
                }
            }
        }
    }

    @Command(
            name = "nizhal",
            mixinStandardHelpOptions = true,
            versionProvider = Version.class,
            description = "Runs and operates a Nizhal app: the sync rules and mutators of a NizhalApp on PostgreSQL.",
            synopsisSubcommandLabel = "COMMAND",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:success",
                "1:failure (database unreachable, rules refused, lint errors)",
                "2:usage (bad option or setting, app not found)"
            },
            footer = {"", "Settings: flags, then NIZHAL_* environment variables, then the --config file, then defaults."
            })
    static final class Top implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
        }
    }

    /** The version of this build, from the filtered {@code version.properties}. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties properties = new Properties();
            try (InputStream in = NizhalCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (IOException e) {
                // no version to show: say so below
            }
            return new String[] {"nizhal " + properties.getProperty("version", "(unknown version)")};
        }
    }
}
