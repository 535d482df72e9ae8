package dev.nizhal.ports.in;

import java.util.List;
import java.util.Map;

/** The contract clients generate types from: rules with their collections, and every mutator's args schema. */
@FunctionalInterface
public interface DescribeContract {
    Contract describe();

    /** {@code GET /nizhal/contract}. */
    record Contract(int protocol, Map<String, RuleContract> syncRules, Map<String, String> mutatorArgsSchemas) {
        public Contract {
            syncRules = Map.copyOf(syncRules);
            mutatorArgsSchemas = Map.copyOf(mutatorArgsSchemas);
        }
    }

    /** A rule's parameters (name and type) and its collections. */
    record RuleContract(List<ParameterContract> parameters, Map<String, CollectionContract> collections) {
        public RuleContract {
            parameters = List.copyOf(parameters);
            collections = Map.copyOf(collections);
        }
    }

    /** A bucket parameter: its name and type ({@code text}, {@code uuid}, {@code int}, {@code bigint}, {@code boolean}). */
    record ParameterContract(String name, String type) {}

    /** A collection's key columns and synced columns with their PostgreSQL types. */
    record CollectionContract(List<String> key, Map<String, String> columns) {
        public CollectionContract {
            key = List.copyOf(key);
            columns = Map.copyOf(columns);
        }
    }
}
