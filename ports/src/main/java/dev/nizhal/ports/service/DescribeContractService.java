package dev.nizhal.ports.service;

import dev.nizhal.domain.mutator.MutatorDefinition;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.ports.in.DescribeContract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the contract from the compiled rules, the live column types and the args codec's schemas. */
final class DescribeContractService implements DescribeContract {
    static final int PROTOCOL = 1;

    private final NizhalServices.Config config;

    DescribeContractService(NizhalServices.Config config) {
        this.config = config;
    }

    @Override
    public Contract describe() {
        SchemaDescription schema = config.catalog().describe(config.tables());
        CompiledRules compiled = SqlCompiler.compile(config.rules(), schema);
        Map<String, RuleContract> rules = new LinkedHashMap<>();
        for (CompiledRules.CompiledRule rule : compiled.rules()) {
            List<ParameterContract> parameters = rule.params().stream()
                    .map(p -> new ParameterContract(p.name(), p.type().name().toLowerCase(Locale.ROOT)))
                    .toList();
            Map<String, CollectionContract> collections = new LinkedHashMap<>();
            for (CompiledRules.CompiledCollection c : rule.collections()) {
                var table = schema.table(c.table()).orElseThrow();
                Map<String, String> columns = new LinkedHashMap<>();
                c.columns()
                        .forEach(col -> columns.put(
                                col, table.column(col).orElseThrow().type().toString()));
                collections.put(c.name(), new CollectionContract(c.key(), columns));
            }
            rules.put(rule.name(), new RuleContract(parameters, collections));
        }
        Map<String, String> mutators = new LinkedHashMap<>();
        for (MutatorDefinition<?> m : config.mutators().all()) {
            mutators.put(m.name(), config.argsCodec().jsonSchema(m.argsType()));
        }
        return new Contract(PROTOCOL, rules, mutators);
    }
}
