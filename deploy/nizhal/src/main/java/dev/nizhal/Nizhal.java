package dev.nizhal;

import dev.nizhal.adapters.jdbi.EnclosingTransactions;
import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers;
import dev.nizhal.adapters.jdbi.JdbiChangeLog;
import dev.nizhal.adapters.jdbi.JdbiMaintenance;
import dev.nizhal.adapters.jdbi.JdbiMutationJournal;
import dev.nizhal.adapters.jdbi.JdbiOperatorStore;
import dev.nizhal.adapters.jdbi.JdbiPullActivity;
import dev.nizhal.adapters.jdbi.JdbiRowSource;
import dev.nizhal.adapters.jdbi.JdbiSchemaCatalog;
import dev.nizhal.adapters.jdbi.JdbiTransactions;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.lint.LintReport;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.ReplayMutation;
import dev.nizhal.ports.in.WatchChanges;
import dev.nizhal.ports.out.ArgsCodec;
import dev.nizhal.ports.out.RealtimeNotifier;
import dev.nizhal.ports.out.RealtimePresence;
import dev.nizhal.ports.service.NizhalServices;
import dev.nizhal.ports.service.TestSeam;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * The engine, wired: your {@link DataSource}, sync rules and mutators in; pull, push and operations out.
 *
 * <pre>{@code
 * Nizhal nizhal = Nizhal.builder().dataSource(ds).syncRules(rules).mutators(mutators).cursorKey(key).build();
 * nizhal.migrate();   // Nizhal's schema and the capture triggers compiled from the rules; safe to re-run
 * PullResponse response = nizhal.pull(actor, request);
 * }</pre>
 *
 * {@link Builder#build()} lints the rules against the live schema and refuses rules that could leak rows.
 */
public final class Nizhal implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Nizhal.class.getName());

    private final NizhalServices services;
    private final JdbiCaptureTriggers capture;
    private final JdbiMaintenance maintenance;
    private final Jdbi jdbi;
    private final List<RealtimeNotifier> listeners;
    /** {@link CursorCodec#keyCheck} of the cursor key (the key itself stays with the services). */
    private final String keyCheck;

    private final boolean keyConfigured;
    private final List<RealtimePresence> presences;
    private final JdbiPullActivity activity;

    private Nizhal(
            NizhalServices services,
            JdbiCaptureTriggers capture,
            JdbiMaintenance maintenance,
            Jdbi jdbi,
            List<RealtimeNotifier> listeners,
            String keyCheck,
            boolean keyConfigured,
            List<RealtimePresence> presences,
            JdbiPullActivity activity) {
        this.services = services;
        this.capture = capture;
        this.maintenance = maintenance;
        this.jdbi = jdbi;
        this.listeners = listeners;
        this.keyCheck = keyCheck;
        this.keyConfigured = keyConfigured;
        this.presences = presences;
        this.activity = activity;
    }

    /**
     * The operators' views (the admin console).
     *
     * @throws IllegalStateException unless the console was enabled ({@link Builder#operatorConsole})
     */
    public InspectSyncState inspect() {
        return services.inspectSyncState();
    }

    /**
     * Replays of rejected mutations (the admin console).
     *
     * @throws IllegalStateException unless the console was enabled ({@link Builder#operatorConsole})
     */
    public ReplayMutation replays() {
        return services.replayMutation();
    }

    /** Adds this process's realtime streams to what the console shows (the embedded server and the WAR do). */
    public AutoCloseable addPresence(RealtimePresence presence) {
        Objects.requireNonNull(presence, "presence");
        presences.add(presence);
        return () -> presences.remove(presence);
    }

    /** Writes the console's last pull observations and stops their writer; the engine itself holds nothing else. */
    @Override
    public void close() {
        if (activity != null) {
            activity.close();
        }
    }

    /** Writes the pull observations queued so far now (tests; the writer does so every half second). */
    public void flushActivity() {
        if (activity != null) {
            activity.flush();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the realtime stream reads: the keys a socket listens to, and the commits since the poller's last look. */
    public WatchChanges watchChanges() {
        return services.watchChanges();
    }

    /**
     * Adds a listener that hears, after each push's mutation commits, the buckets it logged under (the in-process
     * poke of a realtime stream); besides the builder's {@link Builder#notifier}. Closing the returned handle removes
     * it.
     */
    public AutoCloseable addCommitListener(RealtimeNotifier listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Lints the rules against the live schema now (also done by {@link Builder#build()}). */
    public LintReport lint() {
        return services.lintRules().lint();
    }

    /**
     * Creates or upgrades schema {@code nizhal} and (re)generates the capture triggers when the compiled rules
     * changed, in one transaction; a no-op otherwise. Returns whether triggers were (re)generated.
     */
    public boolean migrate() {
        return capture.install(services.compiledRules()) instanceof JdbiCaptureTriggers.Regenerated;
    }

    /** {@code POST /sync/pull} in process: the changes of the actor's buckets since the request's cursor. */
    public PullChanges.PullResponse pull(Actor actor, PullChanges.PullRequest request) {
        return services.pullChanges().pull(actor, request);
    }

    /**
     * {@code POST /sync/push} in process: the client's mutations, each in its own transaction, in id order.
     *
     * @throws IllegalStateException when the engine was built without an {@code argsCodec}
     */
    public PushMutations.PushResponse push(Actor actor, PushMutations.PushRequest request) {
        return services.pushMutations().push(actor, request);
    }

    /**
     * {@code GET /nizhal/contract} in process: rules with their parameters and collections, and each mutator's args
     * as JSON Schema.
     *
     * @throws IllegalStateException when the engine was built without an {@code argsCodec}
     */
    public DescribeContract.Contract contract() {
        return services.describeContract().describe();
    }

    /**
     * Checks the cursor key against the database's, before the instance serves: cursors sealed by one instance must
     * open on every other. The first engine with a configured key to check a database stores a check value derived
     * from its key (an HMAC of a fixed label, {@link CursorCodec#keyCheck}, never the key); every later one must have
     * the same key. An engine with a development key (none configured) stores nothing, and is refused once a key is
     * stored. A database not migrated yet is not checked.
     *
     * <p>The embedded server ({@code NizhalServer}) and the WAR call it at start; an application serving {@link #pull}
     * by other means calls it itself. To change the key, stop every instance, run {@link #forgetCursorKey()}, and start
     * them with the new key: every client resets once.
     *
     * @throws CursorKeyMismatchException when another key is stored, or none is configured and one is stored
     */
    public void checkCursorKey() {
        // empty: not migrated yet (or, for a development key, no key stored)
        Optional<String> stored = keyConfigured ? maintenance.claimCursorKey(keyCheck) : maintenance.cursorKeyCheck();
        if (stored.isEmpty() || stored.get().equals(keyCheck)) {
            return;
        }
        throw keyConfigured
                ? new CursorKeyMismatchException(
                        true,
                        "the cursor key is not the one the other instances of this database sign with: give every"
                                + " instance the same key (neither is shown; compare their SHA-256 where they are kept)")
                : new CursorKeyMismatchException(
                        false,
                        "no cursor key is configured, but the instances of this database sign cursors with one: give"
                                + " this instance the same key");
    }

    /**
     * Forgets the stored check value of the cursor key: the next instance that serves stores its own. For a change of
     * key, with every instance stopped.
     */
    public void forgetCursorKey() {
        maintenance.forgetCursorKey();
    }

    /** A new database identity: every client resets on its next pull (after a restore or failover). */
    public void rotateIdentity() {
        maintenance.rotateIdentity();
    }

    /** Writes a snapshot mark for retention (the change-log poller does it about every minute). */
    public void takeSnapshotMark() {
        maintenance.takeSnapshotMark();
    }

    /**
     * Deletes change-log rows older than the newest snapshot mark older than {@code horizon}; cursors from before
     * it reset. Returns the rows deleted, empty when no mark is old enough.
     */
    public Optional<Integer> trimChangeLog(Duration horizon) {
        return maintenance.trimChangeLog(horizon);
    }

    /**
     * Whether the database answers and holds Nizhal's schema with the capture triggers of these rules, as {@code GET
     * /nizhal/health} reports it. Two short queries; a failure to connect is reported, never thrown.
     */
    public Health health() {
        String installed;
        try {
            installed = jdbi.withHandle(h -> {
                // two statements: a query naming nizhal.meta cannot even be planned before the schema exists
                boolean migrated = h.createQuery("select to_regclass('nizhal.meta') is not null")
                        .mapTo(Boolean.class)
                        .one();
                return migrated
                        ? h.createQuery("select plan_hash from nizhal.meta")
                                .mapTo(String.class)
                                .findOne()
                                .orElse(null)
                        : null;
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "health: the database does not answer", e);
            return new Health(false, false);
        }
        return new Health(true, services.compiledRules().planHash().equals(installed));
    }

    /**
     * @param databaseUp the database answered
     * @param migrationsCurrent {@link #migrate()} has installed the current rules (false while the database is down)
     */
    public record Health(boolean databaseUp, boolean migrationsCurrent) {}

    private static void logIncident(String correlationId, String what, Throwable failure) {
        LOG.log(System.Logger.Level.ERROR, what + " [correlation id " + correlationId + "]", failure);
    }

    /** Collects what the engine is made of. */
    public static final class Builder {
        private DataSource dataSource;
        private SyncRules rules;
        private Mutators mutators = Mutators.define(m -> {});
        private int issuerCount = 1;
        private byte[] cursorKey;
        /** Test seam: changes to the services' config, applied last; only test code adds any. */
        private final List<Consumer<NizhalServices.Config.Builder>> servicesChanges = new ArrayList<>();

        private boolean operatorConsole;
        private ArgsCodec argsCodec;
        private RealtimeNotifier notifier;
        private EnclosingTransactions enclosing;

        private Builder() {}

        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        public Builder syncRules(SyncRules rules) {
            this.rules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        public Builder mutators(Mutators mutators) {
            this.mutators = Objects.requireNonNull(mutators, "mutators");
            return this;
        }

        /** How many token issuers the actor resolver accepts (claims in rules need exactly one). */
        public Builder issuers(int count) {
            this.issuerCount = count;
            return this;
        }

        /**
         * The key that seals cursors (AES-256-GCM under a key derived from it), at least 32 bytes, the same on every
         * instance. Without one a random development key is generated: cursors then reset whenever the process
         * restarts.
         */
        public Builder cursorKey(byte[] key) {
            if (key.length < 32) {
                throw new IllegalArgumentException("a cursor key needs at least 32 bytes");
            }
            this.cursorKey = key.clone();
            return this;
        }

        /** Decodes and validates mutation args (e.g. {@code JacksonArgsCodec} from nizhal-adapters-json). */
        public Builder argsCodec(ArgsCodec codec) {
            this.argsCodec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Receives the buckets a mutation touched, after it commits (the realtime poke). */
        public Builder notifier(RealtimeNotifier notifier) {
            this.notifier = Objects.requireNonNull(notifier, "notifier");
            return this;
        }

        /**
         * Test seam, package-private: a change to the services' config, applied after everything this builder sets.
         * Only test code calls it, through {@code NizhalTestSeams} in this module's test-jar (same package), which
         * is how tests switch on the services' seams (a broken pull, a pull observer, push hooks: their setters are
         * package-private in {@code dev.nizhal.ports.service}, reached through nizhal-ports' test-jar) or put in a
         * misbehaving recorder. Production code never calls it (R11).
         */
        @TestSeam
        Builder changeServices(Consumer<NizhalServices.Config.Builder> change) {
            servicesChanges.add(Objects.requireNonNull(change, "change"));
            return this;
        }

        /**
         * Runs each mutation's transaction inside one of {@code transactions} (the server's JTA transactions, as the
         * Jakarta deployment does with {@code nizhal.transactions=jta}) instead of a local transaction that Nizhal
         * commits itself: then the data source must enlist its connections in them, and mutators can reach the
         * transaction's other resources (a JPA {@code EntityManager}) through {@code ctx.tx(type)}.
         */
        public Builder enclosingTransactions(EnclosingTransactions transactions) {
            this.enclosing = Objects.requireNonNull(transactions, "transactions");
            return this;
        }

        /**
         * @throws InvalidSyncRulesException when the linter finds errors against the live schema
         */
        public Nizhal build() {
            Objects.requireNonNull(dataSource, "a dataSource is required");
            Objects.requireNonNull(rules, "syncRules are required");
            Jdbi jdbi = Jdbi.create(dataSource);
            JdbiSchemaCatalog catalog = new JdbiSchemaCatalog(jdbi);
            LintReport report = NizhalServices.create(NizhalServices.Config.builder(rules, catalog)
                            .mutators(mutators)
                            .issuerCount(issuerCount)
                            .build())
                    .lintRules()
                    .lint();
            if (report.hasErrors()) {
                throw new InvalidSyncRulesException(report);
            }
            report.warnings()
                    .forEach(w -> LOG.log(
                            System.Logger.Level.WARNING,
                            "sync rules: {0} rule={1} table={2}: {3}",
                            w.code(),
                            w.rule(),
                            w.table(),
                            w.message()));
            byte[] key = cursorKey != null ? cursorKey : developmentKey();
            List<RealtimeNotifier> listeners = new CopyOnWriteArrayList<>();
            if (notifier != null) {
                listeners.add(notifier);
            }
            List<RealtimePresence> presences = new CopyOnWriteArrayList<>();
            JdbiPullActivity activity = operatorConsole ? new JdbiPullActivity(jdbi, Instant::now) : null;
            NizhalServices.Config.Builder config = NizhalServices.Config.builder(rules, catalog)
                    .mutators(mutators)
                    .argsCodec(argsCodec)
                    .issuerCount(issuerCount)
                    .storage(new NizhalServices.Storage(
                            enclosing == null ? new JdbiTransactions(jdbi) : new JdbiTransactions(jdbi, enclosing),
                            new JdbiChangeLog(),
                            new JdbiRowSource(),
                            new JdbiMutationJournal()))
                    .cursorKeys(new SecureRandomCursorKeys(key))
                    .ids(new TimeOrderedIds())
                    .incidents(Nizhal::logIncident)
                    .notifier(new RealtimeNotifier() {
                        @Override
                        public void committing(long txid) {
                            listeners.forEach(l -> l.committing(txid));
                        }

                        @Override
                        public void publish(long txid, Set<String> buckets) {
                            listeners.forEach(l -> publishQuietly(l, txid, buckets));
                        }
                    })
                    .operatorStore(operatorConsole ? new JdbiOperatorStore(jdbi) : null)
                    .pullActivity(activity)
                    .presence(new AllPresences(presences));
            servicesChanges.forEach(change -> change.accept(config));
            NizhalServices services = NizhalServices.create(config.build());
            return new Nizhal(
                    services,
                    new JdbiCaptureTriggers(dataSource),
                    new JdbiMaintenance(jdbi),
                    jdbi,
                    listeners,
                    CursorCodec.keyCheck(key),
                    cursorKey != null,
                    presences,
                    activity);
        }

        /**
         * Enables what the admin console needs: its reads and replays ({@link Nizhal#inspect}, {@link
         * Nizhal#replays}) and the observer that records each client's last pull after the pull's transaction.
         */
        public Builder operatorConsole(boolean enabled) {
            this.operatorConsole = enabled;
            return this;
        }

        /** A listener's failure is logged and never reaches the push: the mutation is committed, a poke is a hint. */
        private static void publishQuietly(RealtimeNotifier listener, long txid, Set<String> buckets) {
            try {
                listener.publish(txid, buckets);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a commit listener failed; its pokes are lost", e);
            }
        }

        private static byte[] developmentKey() {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "no cursor key configured: using a random development key; every client resets when this"
                            + " process restarts, and instances do not share cursors");
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return Arrays.copyOf(key, key.length);
        }
    }

    /** Every registered presence, summed. */
    private record AllPresences(List<RealtimePresence> all) implements RealtimePresence {
        @Override
        public int sockets() {
            return all.stream().mapToInt(RealtimePresence::sockets).sum();
        }

        @Override
        public Set<String> connectedClients() {
            Set<String> ids = new HashSet<>();
            all.forEach(p -> ids.addAll(p.connectedClients()));
            return ids;
        }

        @Override
        public Optional<Instant> lastPoll() {
            return all.stream().flatMap(p -> p.lastPoll().stream()).max(Instant::compareTo);
        }
    }
}
