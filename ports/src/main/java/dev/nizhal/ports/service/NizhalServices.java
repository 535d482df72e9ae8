package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.LintRules;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.ReplayMutation;
import dev.nizhal.ports.in.WatchChanges;
import dev.nizhal.ports.out.ArgsCodec;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.CursorKeys;
import dev.nizhal.ports.out.IdGenerator;
import dev.nizhal.ports.out.IncidentLog;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.OperatorStore;
import dev.nizhal.ports.out.PullActivity;
import dev.nizhal.ports.out.RealtimeNotifier;
import dev.nizhal.ports.out.RealtimePresence;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.SchemaCatalog;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;
import java.util.Objects;
import java.util.Set;

/**
 * The one public factory of the use cases: give it the application's rules and mutators and the driven ports, get
 * the driving ports. Pull and push join here as their services land.
 */
public final class NizhalServices {

    private final LintRules lintRules;
    private final DescribeContract describeContract;
    private final CompiledRules compiled;
    private final PullChanges pullChanges;
    private final PushMutationsService pushMutations;
    private final WatchChanges watchChanges;
    private final InspectSyncState inspect;

    private NizhalServices(Config config) {
        this.lintRules = new LintRulesService(config);
        this.describeContract = config.argsCodec() == null ? null : new DescribeContractService(config);
        if (config.storage() != null) {
            this.compiled = SqlCompiler.compile(config.rules(), config.catalog().describe(config.tables()));
            ActorGrants grants = new ActorGrants();
            this.pullChanges = new PullChangesService(config, compiled, grants);
            this.watchChanges = new WatchChangesService(config, compiled, grants);
            this.pushMutations = config.argsCodec() == null ? null : new PushMutationsService(config, compiled, grants);
            this.inspect = config.operatorStore() == null || config.argsCodec() == null
                    ? null
                    : new InspectSyncStateService(config, compiled, lintRules);
        } else {
            this.compiled = null;
            this.pullChanges = null;
            this.watchChanges = null;
            this.pushMutations = null;
            this.inspect = null;
        }
    }

    public static NizhalServices create(Config config) {
        return new NizhalServices(Objects.requireNonNull(config, "config"));
    }

    public LintRules lintRules() {
        return lintRules;
    }

    /**
     * @throws IllegalStateException when no {@link ArgsCodec} was given (the contract publishes args schemas)
     */
    public DescribeContract describeContract() {
        if (describeContract == null) {
            throw new IllegalStateException("describing the contract needs an ArgsCodec");
        }
        return describeContract;
    }

    /**
     * @throws IllegalStateException when no {@link Storage} was given
     */
    public PullChanges pullChanges() {
        return requireStorage(pullChanges);
    }

    /**
     * @throws IllegalStateException when no {@link Storage} or no {@link ArgsCodec} was given
     */
    public PushMutations pushMutations() {
        if (pushMutations == null) {
            throw new IllegalStateException("push needs Storage and an ArgsCodec in the services' Config");
        }
        return pushMutations;
    }

    /**
     * The operators' views (the admin console).
     *
     * @throws IllegalStateException when no {@link Storage}, {@link ArgsCodec} or {@link OperatorStore} was given
     */
    public InspectSyncState inspectSyncState() {
        if (inspect == null) {
            throw new IllegalStateException("inspecting needs Storage, an ArgsCodec and an OperatorStore");
        }
        return inspect;
    }

    /**
     * Replays of rejected mutations (the admin console).
     *
     * @throws IllegalStateException when no {@link Storage}, {@link ArgsCodec} or {@link OperatorStore} was given
     */
    public ReplayMutation replayMutation() {
        if (inspect == null) {
            throw new IllegalStateException("replaying needs Storage, an ArgsCodec and an OperatorStore");
        }
        return pushMutations::replay;
    }

    /**
     * @throws IllegalStateException when no {@link Storage} was given
     */
    public WatchChanges watchChanges() {
        return requireStorage(watchChanges);
    }

    /** The rules compiled against the live schema when the services were created (migrate installs them). */
    public CompiledRules compiledRules() {
        return requireStorage(compiled);
    }

    private static <T> T requireStorage(T service) {
        if (service == null) {
            throw new IllegalStateException("pull and push need Storage in the services' Config");
        }
        return service;
    }

    /** The driven ports of the database the services read and write. */
    public record Storage(
            Transactions transactions, ChangeLog changeLog, RowSource rowSource, MutationJournal journal) {
        public Storage {
            Objects.requireNonNull(transactions, "transactions");
            Objects.requireNonNull(changeLog, "changeLog");
            Objects.requireNonNull(rowSource, "rowSource");
            Objects.requireNonNull(journal, "journal");
        }
    }

    /**
     * A test-only look inside a pull's transaction, after its response is built (TESTING.md: the P2 oracle). A
     * {@link TestSeam}: set through {@code ServicesTestSeams.pullObserver} (nizhal-ports' test-jar) only.
     */
    @TestSeam
    @FunctionalInterface
    public interface PullObserver {
        PullObserver NONE = (tx, actor, request, response) -> {};

        void afterPull(Tx tx, Actor actor, PullChanges.PullRequest request, PullChanges.PullResponse response);
    }

    /**
     * Test hooks of a push, run inside each mutation's transaction (fault injection: TESTING.md). A {@link TestSeam}:
     * set through {@code ServicesTestSeams.pushHooks} (nizhal-ports' test-jar) only.
     */
    @TestSeam
    public interface PushHooks {
        PushHooks NONE = new PushHooks() {};

        /** Just before the transaction of the mutation (and of its push group) commits, after the group's outcomes are recorded. */
        default void beforeCommit(Tx tx, String clientId, long mutationId) {}
    }

    /**
     * What the services are made of; build it with {@link #builder(SyncRules, SchemaCatalog)}.
     *
     * <p>Besides what its public accessors show, a config carries the test seams ({@link PullObserver}, {@link
     * PullDefect}, {@link PushHooks}), none by default. They are read and set only inside this package (the builder's
     * setters are package-private): a production jar cannot enable them, test code does so through {@code
     * ServicesTestSeams} in nizhal-ports' test-jar.
     */
    public static final class Config {
        private final SyncRules rules;
        private final Mutators mutators;
        private final SchemaCatalog catalog;
        private final ArgsCodec argsCodec;
        private final int issuerCount;
        private final Storage storage;
        private final CursorKeys cursorKeys;
        private final IdGenerator ids;
        private final IncidentLog incidents;
        private final RealtimeNotifier notifier;
        private final PullObserver pullObserver;
        private final PullDefect pullDefect;
        private final long maxRowBytes;
        private final PushHooks pushHooks;
        private final OperatorStore operatorStore;
        private final PullActivity pullActivity;
        private final RealtimePresence presence;

        private Config(Builder b) {
            this.rules = Objects.requireNonNull(b.rules, "rules");
            this.mutators = Objects.requireNonNull(b.mutators, "mutators");
            this.catalog = Objects.requireNonNull(b.catalog, "catalog");
            if (b.issuerCount < 1) {
                throw new IllegalArgumentException("issuerCount must be at least 1");
            }
            if (b.storage != null) {
                Objects.requireNonNull(b.cursorKeys, "cursorKeys are required with storage");
                Objects.requireNonNull(b.ids, "ids are required with storage");
                Objects.requireNonNull(b.incidents, "incidents are required with storage");
            }
            this.argsCodec = b.argsCodec;
            this.issuerCount = b.issuerCount;
            this.storage = b.storage;
            this.cursorKeys = b.cursorKeys;
            this.ids = b.ids;
            this.incidents = b.incidents;
            this.notifier = b.notifier;
            this.pullObserver = b.pullObserver == null ? PullObserver.NONE : b.pullObserver;
            this.pullDefect = b.pullDefect == null ? PullDefect.NONE : b.pullDefect;
            this.maxRowBytes = b.maxRowBytes;
            this.pushHooks = b.pushHooks == null ? PushHooks.NONE : b.pushHooks;
            this.operatorStore = b.operatorStore;
            this.pullActivity = b.pullActivity == null ? PullActivity.NONE : b.pullActivity;
            this.presence = b.presence == null ? RealtimePresence.NONE : b.presence;
        }

        public static Builder builder(SyncRules rules, SchemaCatalog catalog) {
            return new Builder(rules, catalog);
        }

        public SyncRules rules() {
            return rules;
        }

        public Mutators mutators() {
            return mutators;
        }

        public SchemaCatalog catalog() {
            return catalog;
        }

        /** Decodes mutation args and describes them; null where only linting is needed. */
        public ArgsCodec argsCodec() {
            return argsCodec;
        }

        /** How many token issuers are configured (claims are refused in rules with more than one). */
        public int issuerCount() {
            return issuerCount;
        }

        /** The database ports; null where only linting is needed. */
        public Storage storage() {
            return storage;
        }

        /** Signs cursors; present with storage. */
        public CursorKeys cursorKeys() {
            return cursorKeys;
        }

        /** New ids for {@code ctx.newId()} and correlation ids; present with storage. */
        public IdGenerator ids() {
            return ids;
        }

        /** Where unexpected failures go, with their correlation id; present with storage. */
        public IncidentLog incidents() {
            return incidents;
        }

        /** Pokes realtime sockets after a commit (a hint); may be null. */
        public RealtimeNotifier notifier() {
            return notifier;
        }

        /** What the admin console reads and writes; null without a console. */
        public OperatorStore operatorStore() {
            return operatorStore;
        }

        /** Sees each pull after its transaction, for the console; none by default. */
        public PullActivity pullActivity() {
            return pullActivity;
        }

        /** This instance's realtime streams, for the console; none by default. */
        public RealtimePresence presence() {
            return presence;
        }

        /** Test seam: a look inside each pull's transaction; none unless a test set one. */
        PullObserver pullObserver() {
            return pullObserver;
        }

        /** Test seam: a known-broken pull; {@code NONE} unless a test set one. */
        PullDefect pullDefect() {
            return pullDefect;
        }

        /** The bound on the rows of a response (its window's changed rows and its load pages); {@link PullChangesService#MAX_ROW_BYTES} unless a test set one. */
        long maxRowBytes() {
            return maxRowBytes;
        }

        /** Test seam: hooks inside each mutation's transaction; none unless a test set them. */
        PushHooks pushHooks() {
            return pushHooks;
        }

        /** Every table the rules read: data queries and parameter queries. */
        Set<TableName> tables() {
            return rules.tables();
        }

        /** Collects a {@link Config}; everything but the rules and the catalog is optional here. */
        public static final class Builder {
            private final SyncRules rules;
            private final SchemaCatalog catalog;
            private Mutators mutators = Mutators.define(m -> {});
            private ArgsCodec argsCodec;
            private int issuerCount = 1;
            private Storage storage;
            private CursorKeys cursorKeys;
            private IdGenerator ids;
            private IncidentLog incidents;
            private RealtimeNotifier notifier;
            private PullObserver pullObserver;
            private PullDefect pullDefect;
            private long maxRowBytes = PullChangesService.MAX_ROW_BYTES;
            private PushHooks pushHooks;
            private OperatorStore operatorStore;
            private PullActivity pullActivity;
            private RealtimePresence presence;

            private Builder(SyncRules rules, SchemaCatalog catalog) {
                this.rules = rules;
                this.catalog = catalog;
            }

            public Builder mutators(Mutators value) {
                this.mutators = value;
                return this;
            }

            public Builder argsCodec(ArgsCodec value) {
                this.argsCodec = value;
                return this;
            }

            public Builder issuerCount(int value) {
                this.issuerCount = value;
                return this;
            }

            public Builder storage(Storage value) {
                this.storage = value;
                return this;
            }

            /**
             * The storage given so far, for {@code ServicesTestSeams.rowSource}, which wraps its row source (a test that
             * counts what the real one read).
             */
            @TestSeam
            Storage storageSoFar() {
                return storage;
            }

            public Builder cursorKeys(CursorKeys value) {
                this.cursorKeys = value;
                return this;
            }

            public Builder ids(IdGenerator value) {
                this.ids = value;
                return this;
            }

            public Builder incidents(IncidentLog value) {
                this.incidents = value;
                return this;
            }

            public Builder notifier(RealtimeNotifier value) {
                this.notifier = value;
                return this;
            }

            /** Test seam, package-private: tests set it through {@code ServicesTestSeams.pullObserver}. */
            @TestSeam
            Builder pullObserver(PullObserver value) {
                this.pullObserver = value;
                return this;
            }

            /** Test seam, package-private: tests set it through {@code ServicesTestSeams.pullDefect}. */
            @TestSeam
            Builder pullDefect(PullDefect value) {
                this.pullDefect = value;
                return this;
            }

            /**
             * Test seam, package-private: another bound on the rows of a response (responses of small rows
             * cut at many points), set through {@code ServicesTestSeams.maxRowBytes}.
             */
            @TestSeam
            Builder maxRowBytes(long value) {
                if (value < 1) {
                    throw new IllegalArgumentException("maxRowBytes must be positive");
                }
                this.maxRowBytes = value;
                return this;
            }

            /** Test seam, package-private: tests set it through {@code ServicesTestSeams.pushHooks}. */
            @TestSeam
            Builder pushHooks(PushHooks value) {
                this.pushHooks = value;
                return this;
            }

            public Builder operatorStore(OperatorStore value) {
                this.operatorStore = value;
                return this;
            }

            /** Sees each pull after its transaction (the console's {@code JdbiPullActivity}); none by default. */
            public Builder pullActivity(PullActivity value) {
                this.pullActivity = value;
                return this;
            }

            public Builder presence(RealtimePresence value) {
                this.presence = value;
                return this;
            }

            public Config build() {
                return new Config(this);
            }
        }
    }
}
