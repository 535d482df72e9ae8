package dev.nizhal;

import dev.nizhal.adapters.jdbi.JdbiSchemaCatalog;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.lint.LintReport;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.ports.service.NizhalServices;
import java.util.Objects;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * The engine, wired: your {@link DataSource}, sync rules and mutators in; pull, push and operations out.
 *
 * <pre>{@code
 * Nizhal nizhal = Nizhal.builder().dataSource(ds).syncRules(rules).mutators(mutators).build();
 * }</pre>
 *
 * {@link Builder#build()} lints the rules against the live schema and refuses rules that could leak rows. Pull,
 * push and {@code migrate()} join as the change-capture and push issues land.
 */
public final class Nizhal {

    private final NizhalServices services;

    private Nizhal(NizhalServices services) {
        this.services = services;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Lints the rules against the live schema now (also done by {@link Builder#build()}). */
    public LintReport lint() {
        return services.lintRules().lint();
    }

    /** Collects what the engine is made of. */
    public static final class Builder {
        private DataSource dataSource;
        private SyncRules rules;
        private Mutators mutators = Mutators.define(m -> {});
        private int issuerCount = 1;

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
         * @throws InvalidSyncRulesException when the linter finds errors against the live schema
         */
        public Nizhal build() {
            Objects.requireNonNull(dataSource, "a dataSource is required");
            Objects.requireNonNull(rules, "syncRules are required");
            Jdbi jdbi = Jdbi.create(dataSource);
            NizhalServices services = NizhalServices.create(new NizhalServices.Config(
                    rules, mutators, new JdbiSchemaCatalog(jdbi), null, issuerCount, null, null, null, null));
            LintReport report = services.lintRules().lint();
            if (report.hasErrors()) {
                throw new InvalidSyncRulesException(report);
            }
            return new Nizhal(services);
        }
    }
}
