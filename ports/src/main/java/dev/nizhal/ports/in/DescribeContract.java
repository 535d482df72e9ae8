package dev.nizhal.ports.in;

import java.util.List;
import java.util.Map;

/** The contract clients generate types from: rules with their collections, and every mutator's args schema. */
@FunctionalInterface
public interface DescribeContract {
    Contract describe();

    /** An unmodifiable copy that keeps the definition order (rules, collections and columns as written). */
    private static <K, V> Map<K, V> ordered(Map<K, V> map) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(map));
    }

    /** {@code GET /nizhal/contract}. */
    record Contract(int protocol, Map<String, RuleContract> syncRules, Map<String, String> mutatorArgsSchemas) {
        public Contract {
            syncRules = ordered(syncRules);
            mutatorArgsSchemas = ordered(mutatorArgsSchemas);
        }
    }

    /** A rule's parameters (name and type) and its collections. */
    record RuleContract(List<ParameterContract> parameters, Map<String, CollectionContract> collections) {
        public RuleContract {
            parameters = List.copyOf(parameters);
            collections = ordered(collections);
        }
    }

    /** A bucket parameter: its name and type ({@code text}, {@code uuid}, {@code int}, {@code bigint}, {@code boolean}). */
    record ParameterContract(String name, String type) {}

    /** A collection's key columns and synced columns with their PostgreSQL types. */
    record CollectionContract(List<String> key, Map<String, String> columns) {
        public CollectionContract {
            key = List.copyOf(key);
            columns = ordered(columns);
        }
    }
}
