package dev.nizhal.ports.in;

import dev.nizhal.domain.actor.Actor;
import java.util.List;
import java.util.Map;

/** {@code POST /sync/pull}: the changes of a client's buckets since its cursor (PROTOCOL.md). */
@FunctionalInterface
public interface PullChanges {
    PullResponse pull(Actor actor, PullRequest request);

    /**
     * @param cursor null on the first pull
     * @param bucketsFilterJson the client's {@code buckets} filter as sent (a JSON array of objects), or null
     * @param held the bucket keys the client holds
     */
    record PullRequest(
            String syncRule, String clientId, String cursor, String bucketsFilterJson, List<String> held, int limit) {
        public PullRequest {
            held = List.copyOf(held);
        }
    }

    /** A pull's answer; {@code lastMutationId} is null unless {@code hasMore} is false. */
    record PullResponse(
            String cursor,
            boolean hasMore,
            boolean reset,
            List<String> buckets,
            List<String> revokedBuckets,
            List<String> loadedBuckets,
            List<String> loadingBuckets,
            List<Change> changes,
            Long lastMutationId) {
        public PullResponse {
            buckets = List.copyOf(buckets);
            revokedBuckets = List.copyOf(revokedBuckets);
            loadedBuckets = List.copyOf(loadedBuckets);
            loadingBuckets = List.copyOf(loadingBuckets);
            changes = List.copyOf(changes);
        }
    }

    /** One change of a collection. */
    sealed interface Change {
        String collection();

        String key();
    }

    /** The row's current values and the read-set buckets it belongs to. */
    record Upsert(String collection, String key, Map<String, Object> row, List<String> buckets) implements Change {
        public Upsert {
            buckets = List.copyOf(buckets);
        }
    }

    /** The row is gone from every bucket the client reads. */
    record Delete(String collection, String key) implements Change {}
}
