package dev.nizhal.domain.mutator;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an applied mutation returns to its client.
 *
 * @param serverId an id the server chose (e.g. for a row the client created without one), or {@code null}
 * @param affectedBuckets buckets the mutator names itself; the server adds those derived from the change log and
 *     answers only those granted to the actor
 */
public record MutationResult(Object serverId, Set<String> affectedBuckets) {
    public MutationResult {
        affectedBuckets = Set.copyOf(affectedBuckets);
    }

    public static MutationResult of(Object serverId) {
        return new MutationResult(Objects.requireNonNull(serverId, "serverId"), Set.of());
    }

    public static MutationResult empty() {
        return new MutationResult(null, Set.of());
    }

    public MutationResult withAffectedBuckets(String... buckets) {
        Set<String> all = new TreeSet<>(affectedBuckets);
        all.addAll(Arrays.asList(buckets));
        return new MutationResult(serverId, all);
    }
}
