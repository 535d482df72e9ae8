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
            this.pullChanges = new PullChangesService(config, compiled);
            this.watchChanges = new WatchChangesService(config, compiled);
            this.pushMutations = config.argsCodec() == null ? null : new PushMutationsService(config, compiled);
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

    /** A test-only look inside a pull's transaction, after its response is built (TESTING.md: the P2 oracle). */
    @FunctionalInterface
    public interface PullObserver {
        PullObserver NONE = (tx, actor, request, response) -> {};

        void afterPull(Tx tx, Actor actor, PullChanges.PullRequest request, PullChanges.PullResponse response);
    }

    /** Test hooks of a push, run inside each mutation's transaction (fault injection: TESTING.md). */
    public interface PushHooks {
        PushHooks NONE = new PushHooks() {};

        /** Just before the mutation's transaction commits, after its outcome is recorded. */
        default void beforeCommit(Tx tx, String clientId, long mutationId) {}
    }

    /**
     * What the services are made of; build it with {@link #builder(SyncRules, SchemaCatalog)}.
     *
     * @param argsCodec decodes mutation args and describes them; may be null where only linting is needed
     * @param issuerCount how many token issuers are configured (claims are refused in rules with more than one)
     * @param storage the database ports; may be null where only linting is needed
     * @param cursorKeys seals cursors; required with storage
     * @param ids new ids for {@code ctx.newId()} and correlation ids; required with storage
     * @param incidents where unexpected failures go, with their correlation id; required with storage
     * @param notifier pokes realtime sockets after a commit (a hint); may be null
     * @param pullObserver a test hook; never null (none by default)
     * @param pullDefect a known-broken pull for tests that prove scenarios can fail; {@code NONE} by default
     * @param pushHooks test hooks of a push; none by default
     * @param operatorStore what the admin console reads and writes; may be null (no console)
     * @param pullActivity sees each pull after its transaction, for the console; none by default
     * @param presence this instance's realtime streams, for the console; none by default
     */
    public record Config(
            SyncRules rules,
            Mutators mutators,
            SchemaCatalog catalog,
            ArgsCodec argsCodec,
            int issuerCount,
            Storage storage,
            CursorKeys cursorKeys,
            IdGenerator ids,
            IncidentLog incidents,
            RealtimeNotifier notifier,
            PullObserver pullObserver,
            PullDefect pullDefect,
            PushHooks pushHooks,
            OperatorStore operatorStore,
            PullActivity pullActivity,
            RealtimePresence presence) {
        public Config {
            Objects.requireNonNull(rules, "rules");
            Objects.requireNonNull(mutators, "mutators");
            Objects.requireNonNull(catalog, "catalog");
            if (issuerCount < 1) {
                throw new IllegalArgumentException("issuerCount must be at least 1");
            }
            if (storage != null) {
                Objects.requireNonNull(cursorKeys, "cursorKeys are required with storage");
                Objects.requireNonNull(ids, "ids are required with storage");
                Objects.requireNonNull(incidents, "incidents are required with storage");
            }
            pullObserver = pullObserver == null ? PullObserver.NONE : pullObserver;
            pullDefect = pullDefect == null ? PullDefect.NONE : pullDefect;
            pushHooks = pushHooks == null ? PushHooks.NONE : pushHooks;
            pullActivity = pullActivity == null ? PullActivity.NONE : pullActivity;
            presence = presence == null ? RealtimePresence.NONE : presence;
        }

        public static Builder builder(SyncRules rules, SchemaCatalog catalog) {
            return new Builder(rules, catalog);
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

            public Builder pullObserver(PullObserver value) {
                this.pullObserver = value;
                return this;
            }

            public Builder pullDefect(PullDefect value) {
                this.pullDefect = value;
                return this;
            }

            public Builder pushHooks(PushHooks value) {
                this.pushHooks = value;
                return this;
            }

            public Builder operatorStore(OperatorStore value) {
                this.operatorStore = value;
                return this;
            }

            public Builder pullActivity(PullActivity value) {
                this.pullActivity = value;
                return this;
            }

            public Builder presence(RealtimePresence value) {
                this.presence = value;
                return this;
            }

            public Config build() {
                return new Config(
                        rules,
                        mutators,
                        catalog,
                        argsCodec,
                        issuerCount,
                        storage,
                        cursorKeys,
                        ids,
                        incidents,
                        notifier,
                        pullObserver,
                        pullDefect,
                        pushHooks,
                        operatorStore,
                        pullActivity,
                        presence);
            }
        }

        /** Every table the rules read: data queries and parameter queries. */
        Set<TableName> tables() {
            return rules.tables();
        }
    }
}
