package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.LintRules;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.out.ArgsCodec;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.CursorKeys;
import dev.nizhal.ports.out.MutationJournal;
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

    private NizhalServices(Config config) {
        this.lintRules = new LintRulesService(config);
        this.describeContract = config.argsCodec() == null ? null : new DescribeContractService(config);
        if (config.storage() != null) {
            this.compiled = SqlCompiler.compile(config.rules(), config.catalog().describe(config.tables()));
            this.pullChanges = new PullChangesService(config, compiled);
        } else {
            this.compiled = null;
            this.pullChanges = null;
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

    /**
     * What the services are made of.
     *
     * @param argsCodec decodes mutation args and describes them; may be null where only linting is needed
     * @param issuerCount how many token issuers are configured (claims are refused in rules with more than one)
     * @param storage the database ports; may be null where only linting is needed
     * @param cursorKeys signs cursors; required with storage
     * @param pullObserver a test hook; null for none
     * @param pullDefect a known-broken pull for tests that prove scenarios can fail; null for the correct pull
     */
    public record Config(
            SyncRules rules,
            Mutators mutators,
            SchemaCatalog catalog,
            ArgsCodec argsCodec,
            int issuerCount,
            Storage storage,
            CursorKeys cursorKeys,
            PullObserver pullObserver,
            PullDefect pullDefect) {
        public Config {
            if (storage != null) {
                Objects.requireNonNull(cursorKeys, "cursorKeys are required with storage");
            }
            pullObserver = pullObserver == null ? PullObserver.NONE : pullObserver;
            pullDefect = pullDefect == null ? PullDefect.NONE : pullDefect;
            Objects.requireNonNull(rules, "rules");
            Objects.requireNonNull(mutators, "mutators");
            Objects.requireNonNull(catalog, "catalog");
            if (issuerCount < 1) {
                throw new IllegalArgumentException("issuerCount must be at least 1");
            }
        }

        /** Every table the rules read: data queries and parameter queries. */
        Set<TableName> tables() {
            return rules.tables();
        }
    }
}
