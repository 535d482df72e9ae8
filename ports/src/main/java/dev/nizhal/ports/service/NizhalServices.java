package dev.nizhal.ports.service;

import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.LintRules;
import dev.nizhal.ports.out.ArgsCodec;
import dev.nizhal.ports.out.SchemaCatalog;
import java.util.Objects;
import java.util.Set;

/**
 * The one public factory of the use cases: give it the application's rules and mutators and the driven ports, get
 * the driving ports. Pull and push join here as their services land.
 */
public final class NizhalServices {

    private final LintRules lintRules;
    private final DescribeContract describeContract;

    private NizhalServices(Config config) {
        this.lintRules = new LintRulesService(config);
        this.describeContract = config.argsCodec() == null ? null : new DescribeContractService(config);
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
     * What the services are made of.
     *
     * @param argsCodec decodes mutation args and describes them; may be null where only linting is needed
     * @param issuerCount how many token issuers are configured (claims are refused in rules with more than one)
     */
    public record Config(
            SyncRules rules, Mutators mutators, SchemaCatalog catalog, ArgsCodec argsCodec, int issuerCount) {
        public Config {
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
