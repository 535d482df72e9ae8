package dev.nizhal.domain.rules;

import java.util.List;
import java.util.Objects;

/**
 * One sync rule: parameters → buckets → scoped data queries.
 *
 * @param name the rule's name, also the prefix of its bucket keys
 * @param global whether the rule explicitly has one bucket for every actor
 * @param parameters where the bucket parameters come from, in bucket-key order
 * @param data the data queries; each (rule, table) is one collection on the client
 */
public record SyncRule(String name, boolean global, List<ParameterSource> parameters, List<TableQuery> data) {
    public SyncRule {
        Objects.requireNonNull(name, "name");
        parameters = List.copyOf(parameters);
        data = List.copyOf(data);
    }
}
