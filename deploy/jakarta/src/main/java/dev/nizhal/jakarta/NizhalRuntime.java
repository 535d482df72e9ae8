package dev.nizhal.jakarta;

import dev.nizhal.CursorKeyMismatchException;
import dev.nizhal.Nizhal;
import dev.nizhal.RetentionJobs;
import dev.nizhal.adapters.jaxrs.NotServingException;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.adapters.websocket.StreamSettings;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.jakarta.ApplicationBeans.Beans;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Nizhal in a Jakarta EE application: reads {@link NizhalSettings} from MicroProfile Config, finds the {@code
 * DataSource} by JNDI and the application's rules and mutators among its CDI beans ({@link ApplicationBeans}), builds
 * and migrates the engine, checks its cursor key against the database's, and runs the realtime stream (its poller on
 * the server's managed threads) and the {@link RetentionJobs} (on the server's managed scheduled executor) until the
 * application stops.
 *
 * <p>A start that fails does not fail the deployment: it logs one line naming the key or the cause, readiness
 * reports DOWN, requests are answered 503 {@code TRANSIENT} (logged at DEBUG: the state was logged once) and stream
 * hellos are closed with 4503. A failure of the database (unreachable, refused) is retried every {@link
 * #RETRY_INTERVAL}; a bad setting, an ambiguous bean or another cursor key than the database's is not.
 *
 * <p>One start attempt runs at a time. {@link #stop()} does not wait for one in progress longer than {@link
 * #STOP_WAIT} (a migration waiting for a table lock can take long): that attempt then discards what it built when it
 * ends.
 */
@ApplicationScoped
public class NizhalRuntime {
    private static final System.Logger LOG = System.getLogger(NizhalRuntime.class.getName());

    /** How often a start that failed on the database is tried again. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(10);

    /** How long a stop waits for a start attempt in progress. */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final Instance<NizhalApp> apps;
    private final Instance<SyncRules> rules;
    private final Instance<Mutators> mutators;
    private final Instance<ActorResolver> resolvers;
    private final Instance<ArgsCodec> codecs;

    /** Held by a start attempt, so that one runs at a time and a stop can wait (bounded) for it. */
    private final ReentrantLock attempting = new ReentrantLock();
    /** Guards {@link #started} against a stop, {@link #retry} and {@link #failedLine}. */
    private final Object state = new Object();

    private volatile Started started;
    /** The public reason (readiness): never the database's or a library's words. */
    private volatile String failure = "starting";
    /** The logged line of the last failure, to log a repeated one at DEBUG only. */
    private String failedLine;

    private volatile boolean stopped;
    private ScheduledExecutorService scheduler;
    private boolean ownScheduler;
    private ScheduledFuture<?> retry;

    /** How a start attempt ended. */
    private sealed interface Outcome permits Started, Failure {}

    /** What runs once the start succeeded. */
    private record Started(
            Nizhal nizhal,
            ActorResolver actors,
            StreamHub stream,
            AutoCloseable listener,
            AutoCloseable presence,
            RetentionJobs retention)
            implements Outcome {
        void close() {
            // cancelled here, not left to the server: on a redeploy they would keep the old Nizhal alive
            retention.close();
            closeQuietly(listener);
            closeQuietly(presence);
            stream.close();
            // the console's last pull observations are written before the server's pool goes
            nizhal.close();
        }
    }

    /** A start that did not get to its end: the lines to log and show, and whether a retry may mend it. */
    private record Failure(String line, String reason, Throwable cause, boolean retry) implements Outcome {}

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
     * @throws NotServingException ({@code TRANSIENT}) while Nizhal is not started
     */
    Nizhal engine() {
        Started now = started;
        if (now == null) {
            throw new NotServingException();
        }
        return now.nizhal();
    }

    /** The actor resolver for a request (see {@link #engine()}). */
    ActorResolver actors() {
        Started now = started;
        if (now == null) {
            throw new NotServingException();
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
    void start() {
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

    /** One start attempt; never throws. */
    private void attempt() {
        attempting.lock();
        try {
            if (stopped || started != null) {
                return;
            }
            Outcome outcome;
            try {
                outcome = startOrFail();
            } catch (RuntimeException e) {
                // what no branch of startOrFail foresaw (a bean that fails to be made, say): reported, never thrown
                outcome = new Failure(
                        "Nizhal is not started: an unexpected failure: " + rootMessage(e),
                        "not started: see the server's log",
                        e,
                        false);
            }
            switch (outcome) {
                case Failure failed -> fail(failed);
                case Started now -> serve(now);
            }
        } finally {
            attempting.unlock();
        }
    }

    /** Serves with what the attempt started, unless the application stopped while it ran. */
    private void serve(Started now) {
        synchronized (state) {
            if (!stopped) {
                started = now;
                return;
            }
        }
        now.close();
    }

    private Outcome startOrFail() {
        ApplicationBeans beans;
        NizhalSettings settings;
        boolean console;
        Optional<JtaTransactions> jta;
        try {
            beans = new ApplicationBeans(
                            Beans.of(apps), Beans.of(rules), Beans.of(mutators), Beans.of(resolvers), Beans.of(codecs))
                    .check();
            Config config = ConfigProvider.getConfig(Thread.currentThread().getContextClassLoader());
            Function<String, Optional<String>> values = key -> config.getOptionalValue(key, String.class);
            settings = NizhalSettings.read(values, !beans.hasResolver());
            console = NizhalSettings.adminConsole(values);
            jta = NizhalSettings.jta(values) ? Optional.of(JtaTransactions.lookup()) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return badConfiguration(e.getMessage(), keyOf(e));
        }
        DataSource dataSource;
        try {
            dataSource = (DataSource) new InitialContext().lookup(settings.dataSource());
        } catch (NamingException | ClassCastException e) {
            return new Failure(
                    "Nizhal is not started: no DataSource at the JNDI name " + settings.dataSource() + " ("
                            + NizhalSettings.DATASOURCE + "): " + e.getMessage() + "; retrying every "
                            + RETRY_INTERVAL.toSeconds() + " s",
                    "no DataSource at the JNDI name of " + NizhalSettings.DATASOURCE,
                    null,
                    true);
        }
        Nizhal nizhal;
        try {
            nizhal = build(settings, beans, dataSource, console, jta);
        } catch (CursorKeyMismatchException e) {
            return badConfiguration(NizhalSettings.CURSOR_KEY + ": " + e.getMessage(), NizhalSettings.CURSOR_KEY);
        } catch (InvalidSyncRulesException e) {
            return new Failure(
                    "Nizhal is not started: " + refused(e),
                    "the sync rules were refused: see the server's log",
                    null,
                    false);
        } catch (RuntimeException e) {
            return new Failure(
                    "Nizhal is not started: the database at " + settings.dataSource() + " ("
                            + NizhalSettings.DATASOURCE + ") failed: " + rootMessage(e) + "; retrying every "
                            + RETRY_INTERVAL.toSeconds() + " s",
                    "the database is unavailable (" + NizhalSettings.DATASOURCE + "): see the server's log",
                    e,
                    true);
        }
        ActorResolver actors = beans.resolver()
                .orElseGet(() ->
                        new JwtActorResolver(JwtConfig.of(settings.issuer().orElseThrow())));
        ThreadFactory threads = lookup("java:comp/DefaultManagedThreadFactory", ManagedThreadFactory.class)
                .map(ThreadFactory.class::cast)
                .orElseGet(() ->
                        Thread.ofPlatform().name("nizhal-stream-", 0).daemon().factory());
        StreamHub stream = new StreamHub(
                nizhal.watchChanges(),
                actors,
                Instant::now,
                StreamSettings.DEFAULTS.withMaxSocketsPerActor(settings.limits().socketsPerActor()),
                threads);
        AutoCloseable listener = nizhal.addCommitListener(stream);
        AutoCloseable presence = nizhal.addPresence(stream);
        try {
            stream.start();
        } catch (RuntimeException e) {
            closeQuietly(listener);
            closeQuietly(presence);
            stream.close();
            nizhal.close();
            return new Failure(
                    "Nizhal is not started: the realtime stream's first poll failed: " + rootMessage(e),
                    "the database is unavailable: see the server's log",
                    e,
                    true);
        }
        LOG.log(
                System.Logger.Level.INFO,
                "Nizhal started: " + settings + (jta.isPresent() ? ", pushes in JTA transactions" : ""));
        return new Started(
                nizhal,
                actors,
                stream,
                listener,
                presence,
                RetentionJobs.schedule(nizhal, scheduler, settings.retention()));
    }

    private static Failure badConfiguration(String problem, String key) {
        return new Failure(
                "Nizhal is not started: bad configuration: " + problem, "bad configuration: " + key, null, false);
    }

    private static Nizhal build(
            NizhalSettings settings,
            ApplicationBeans beans,
            DataSource dataSource,
            boolean console,
            Optional<JtaTransactions> jta) {
        NizhalApp app = beans.app();
        app.prepare(dataSource);
        Nizhal.Builder builder = Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(app.rules())
                .mutators(app.mutators())
                .argsCodec(beans.codec())
                .cursorKey(settings.cursorKey())
                .operatorConsole(console);
        jta.ifPresent(builder::enclosingTransactions);
        Nizhal nizhal = builder.build();
        try {
            if (settings.migrate()) {
                nizhal.migrate();
            }
            nizhal.checkCursorKey();
        } catch (RuntimeException e) {
            nizhal.close(); // the console's observation writer, if any: a retry builds another
            throw e;
        }
        return nizhal;
    }

    /**
     * Records a failed start: its line (with the database's or the naming service's own words) goes to the log only;
     * its reason is what the public readiness check shows, and names at most a setting's key.
     */
    private void fail(Failure failed) {
        synchronized (state) {
            if (stopped) {
                LOG.log(System.Logger.Level.DEBUG, "after the stop: " + failed.line(), failed.cause());
                return;
            }
            boolean repeated = failed.line().equals(failedLine);
            failedLine = failed.line();
            failure = failed.reason();
            if (repeated) {
                LOG.log(System.Logger.Level.DEBUG, failed.line(), failed.cause());
            } else {
                // one line; the cause's trace only at DEBUG
                LOG.log(System.Logger.Level.ERROR, failed.line());
                if (failed.cause() != null) {
                    LOG.log(System.Logger.Level.DEBUG, "the cause of: " + failed.line(), failed.cause());
                }
            }
            if (failed.retry()) {
                long every = RETRY_INTERVAL.toMillis();
                try {
                    retry = scheduler.schedule(this::attempt, every, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    LOG.log(System.Logger.Level.DEBUG, "no retry: the scheduler is stopping", e);
                }
            }
        }
    }

    /**
     * Stops the stream (sockets close with 1001) and the jobs; called when the web application stops. Waits at most
     * {@link #STOP_WAIT} for a start attempt in progress.
     */
    void stop() {
        stopped = true;
        Started now;
        synchronized (state) {
            if (retry != null) {
                retry.cancel(false);
            }
            now = started;
            started = null;
            failure = "stopped";
        }
        if (now != null) {
            now.close();
        }
        boolean idle;
        try {
            idle = attempting.tryLock(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            idle = false;
        }
        if (idle) {
            attempting.unlock();
        } else {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Nizhal stops while its start is still running after " + STOP_WAIT.toSeconds() + " s (a migration"
                            + " waiting for a lock?); that start closes what it opened when it ends");
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

    /** The key a settings error names, or the kind of bean a bean error does (its message starts with it). */
    private static String keyOf(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int space = message.indexOf(' ');
        return space > 0 ? message.substring(0, space).replaceAll(":$", "") : "see the server's log";
    }
}
