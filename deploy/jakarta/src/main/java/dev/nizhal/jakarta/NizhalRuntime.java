package dev.nizhal.jakarta;

import dev.nizhal.Nizhal;
import dev.nizhal.RetentionJobs;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.adapters.websocket.StreamSettings;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.ArgsCodec;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Nizhal in a Jakarta EE application: reads {@link NizhalSettings} from MicroProfile Config, finds the {@code
 * DataSource} by JNDI and the application's rules and mutators among its CDI beans, builds and migrates the engine,
 * and runs the realtime stream (its poller on the server's managed threads) and the retention jobs (on the server's
 * managed scheduled executor) until the application stops.
 *
 * <p>A start that fails does not fail the deployment: it logs one line naming the key or the cause, readiness
 * reports DOWN, requests are answered 503 {@code TRANSIENT} and stream hellos are closed with 4503. A failure of the
 * database (unreachable, refused) is retried every {@link #RETRY_INTERVAL}; a bad setting is not.
 */
@ApplicationScoped
public class NizhalRuntime {
    private static final System.Logger LOG = System.getLogger(NizhalRuntime.class.getName());

    /** How often a start that failed on the database is tried again. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(10);

    private final Instance<NizhalApp> apps;
    private final Instance<SyncRules> rules;
    private final Instance<Mutators> mutators;
    private final Instance<ActorResolver> resolvers;
    private final Instance<ArgsCodec> codecs;

    private volatile Started started;
    /** The public reason (readiness): never the database's or a library's words. */
    private volatile String failure = "starting";
    /** The logged line of the last failure, to log a repeated one at DEBUG only. */
    private String failedLine;

    private volatile boolean stopped;
    private ScheduledExecutorService scheduler;
    private boolean ownScheduler;
    private ScheduledFuture<?> retry;

    /** What runs once the start succeeded. */
    private record Started(
            Nizhal nizhal, ActorResolver actors, StreamHub stream, AutoCloseable listener, RetentionJobs retention) {}

    /** For CDI's client proxy. */
    protected NizhalRuntime() {
        this(null, null, null, null, null);
    }

    @Inject
    public NizhalRuntime(
            Instance<NizhalApp> apps,
            Instance<SyncRules> rules,
            Instance<Mutators> mutators,
            Instance<ActorResolver> resolvers,
            Instance<ArgsCodec> codecs) {
        this.apps = apps;
        this.rules = rules;
        this.mutators = mutators;
        this.resolvers = resolvers;
        this.codecs = codecs;
    }

    /** The engine, once started. */
    public Optional<Nizhal> nizhal() {
        Started now = started;
        return now == null ? Optional.empty() : Optional.of(now.nizhal());
    }

    /**
     * The engine for a request.
     *
     * @throws SyncException {@code TRANSIENT} while Nizhal is not started
     */
    Nizhal engine() {
        Started now = started;
        if (now == null) {
            throw new SyncException(SyncErrorCode.TRANSIENT, "the sync service is not ready; retry later");
        }
        return now.nizhal();
    }

    /** The actor resolver for a request (see {@link #engine()}). */
    ActorResolver actors() {
        Started now = started;
        if (now == null) {
            throw new SyncException(SyncErrorCode.TRANSIENT, "the sync service is not ready; retry later");
        }
        return now.actors();
    }

    /** The stream of the started runtime, empty before. */
    Optional<StreamHub> stream() {
        Started now = started;
        return now == null ? Optional.empty() : Optional.of(now.stream());
    }

    /** Why Nizhal is not serving, empty once it is. */
    public Optional<String> failure() {
        return started != null ? Optional.empty() : Optional.ofNullable(failure);
    }

    /** Starts Nizhal; called once by the web application's start ({@link NizhalLifecycle}). Never throws. */
    synchronized void start() {
        scheduler = lookup("java:comp/DefaultManagedScheduledExecutorService", ManagedScheduledExecutorService.class)
                .map(ScheduledExecutorService.class::cast)
                .orElseGet(() -> {
                    ownScheduler = true;
                    return Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                            .name("nizhal-maintenance")
                            .daemon()
                            .factory());
                });
        attempt();
    }

    private synchronized void attempt() {
        if (stopped || started != null) {
            return;
        }
        Config config = ConfigProvider.getConfig(Thread.currentThread().getContextClassLoader());
        NizhalSettings settings;
        try {
            settings =
                    NizhalSettings.read(key -> config.getOptionalValue(key, String.class), resolvers.isUnsatisfied());
        } catch (IllegalArgumentException e) {
            fail("Nizhal is not started: bad configuration: " + e.getMessage(), "bad configuration: " + keyOf(e), null);
            return;
        }
        DataSource dataSource;
        try {
            dataSource = (DataSource) new InitialContext().lookup(settings.dataSource());
        } catch (NamingException | ClassCastException e) {
            fail(
                    "Nizhal is not started: no DataSource at the JNDI name " + settings.dataSource() + " ("
                            + NizhalSettings.DATASOURCE + "): " + e.getMessage() + "; retrying every "
                            + RETRY_INTERVAL.toSeconds() + " s",
                    "no DataSource at the JNDI name of " + NizhalSettings.DATASOURCE,
                    null);
            scheduleRetry();
            return;
        }
        Nizhal nizhal;
        try {
            nizhal = build(settings, dataSource);
        } catch (IllegalArgumentException e) {
            fail("Nizhal is not started: " + e.getMessage(), "not started: see the server's log", null);
            return;
        } catch (InvalidSyncRulesException e) {
            fail("Nizhal is not started: " + refused(e), "the sync rules were refused: see the server's log", null);
            return;
        } catch (RuntimeException e) {
            fail(
                    "Nizhal is not started: the database at " + settings.dataSource() + " ("
                            + NizhalSettings.DATASOURCE + ") failed: " + rootMessage(e) + "; retrying every "
                            + RETRY_INTERVAL.toSeconds() + " s",
                    "the database is unavailable (" + NizhalSettings.DATASOURCE + "): see the server's log",
                    e);
            scheduleRetry();
            return;
        }
        ActorResolver actors = resolvers.isResolvable()
                ? resolvers.get()
                : new JwtActorResolver(JwtConfig.of(settings.issuer().orElseThrow()));
        ThreadFactory threads = lookup("java:comp/DefaultManagedThreadFactory", ManagedThreadFactory.class)
                .map(ThreadFactory.class::cast)
                .orElseGet(() ->
                        Thread.ofPlatform().name("nizhal-stream-", 0).daemon().factory());
        StreamHub stream = new StreamHub(nizhal.watchChanges(), actors, Instant::now, StreamSettings.DEFAULTS, threads);
        AutoCloseable listener = nizhal.addCommitListener(stream);
        try {
            stream.start();
        } catch (RuntimeException e) {
            closeQuietly(listener);
            stream.close();
            fail(
                    "Nizhal is not started: the realtime stream's first poll failed: " + rootMessage(e),
                    "the database is unavailable: see the server's log",
                    e);
            scheduleRetry();
            return;
        }
        started = new Started(
                nizhal, actors, stream, listener, RetentionJobs.schedule(nizhal, scheduler, settings.retention()));
        LOG.log(System.Logger.Level.INFO, "Nizhal started: " + settings);
    }

    private Nizhal build(NizhalSettings settings, DataSource dataSource) {
        NizhalApp app = app();
        app.prepare(dataSource);
        Nizhal nizhal = Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(app.rules())
                .mutators(app.mutators())
                .argsCodec(codecs.isResolvable() ? codecs.get() : new JacksonArgsCodec())
                .cursorKey(settings.cursorKey())
                .build();
        if (settings.migrate()) {
            nizhal.migrate();
        }
        return nizhal;
    }

    /** The application's {@link NizhalApp} bean, or one made of its {@link SyncRules} and {@link Mutators} beans. */
    private NizhalApp app() {
        if (apps.isResolvable()) {
            return apps.get();
        }
        if (!apps.isUnsatisfied()) {
            throw new IllegalArgumentException("the application has several NizhalApp beans; give one");
        }
        if (!rules.isResolvable() || !mutators.isResolvable()) {
            throw new IllegalArgumentException("the application has no NizhalApp bean, nor one SyncRules and one"
                    + " Mutators bean: give one of the two");
        }
        SyncRules syncRules = rules.get();
        Mutators appMutators = mutators.get();
        return new NizhalApp() {
            @Override
            public SyncRules rules() {
                return syncRules;
            }

            @Override
            public Mutators mutators() {
                return appMutators;
            }
        };
    }

    /**
     * Records a failed start: {@code line} (with the database's or the naming service's own words) goes to the log
     * only; {@code reason} is what the public readiness check shows, and names at most a setting's key.
     */
    private void fail(String line, String reason, Throwable cause) {
        boolean repeated = line.equals(failedLine);
        failedLine = line;
        failure = reason;
        if (repeated) {
            LOG.log(System.Logger.Level.DEBUG, line, cause);
        } else {
            // one line; the cause's trace only at DEBUG
            LOG.log(System.Logger.Level.ERROR, line);
            if (cause != null) {
                LOG.log(System.Logger.Level.DEBUG, "the cause of: " + line, cause);
            }
        }
    }

    private void scheduleRetry() {
        long every = RETRY_INTERVAL.toMillis();
        retry = scheduler.schedule(this::attempt, every, TimeUnit.MILLISECONDS);
    }

    /** Stops the stream (sockets close with 1001) and the jobs; called when the web application stops. */
    synchronized void stop() {
        stopped = true;
        if (retry != null) {
            retry.cancel(false);
        }
        Started now = started;
        started = null;
        failure = "stopped";
        if (now != null) {
            // cancelled here, not left to the server: on a redeploy they would keep the old Nizhal alive
            now.retention().close();
            closeQuietly(now.listener());
            now.stream().close();
        }
        if (scheduler != null && ownScheduler) {
            scheduler.shutdownNow();
        }
        // a managed executor is the server's: its tasks of this application are cancelled when the application stops
    }

    private static <T> Optional<T> lookup(String name, Class<T> type) {
        try {
            return Optional.of(type.cast(new InitialContext().lookup(name)));
        } catch (NamingException | ClassCastException | NoClassDefFoundError e) {
            LOG.log(System.Logger.Level.INFO, "no " + name + " (" + e + "); Nizhal runs that work on its own threads");
            return Optional.empty();
        }
    }

    private static String refused(InvalidSyncRulesException e) {
        LintFinding first = e.report().errors().getFirst();
        int count = e.report().errors().size();
        return "the sync rules are refused (" + count + (count == 1 ? " error" : " errors") + "; first: "
                + first.code() + " rule=" + first.rule() + (first.table() == null ? "" : " table=" + first.table())
                + ": " + first.message() + ")";
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing on stop", e);
        }
    }

    /** The key a settings error names (its message starts with it). */
    private static String keyOf(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int space = message.indexOf(' ');
        return space > 0 ? message.substring(0, space) : "see the server's log";
    }
}
