package dev.nizhal.ports.in;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /sync/push}: a client's mutations in id order (PROTOCOL.md), each body in a savepoint of its own and
 * recorded in the same transaction; consecutive READ COMMITTED mutations of a push share one transaction (32 at the
 * most), a mutation of another isolation has its own.
 */
@FunctionalInterface
public interface PushMutations {
    PushResponse push(Actor actor, PushRequest request);

    /** A batch of a client's mutations with consecutive ids. */
    record PushRequest(String clientId, List<MutationRequest> mutations) {
        public PushRequest {
            mutations = List.copyOf(mutations);
        }
    }

    /** One mutation: its id, the mutator's name and the args as sent (JSON). */
    record MutationRequest(long id, String name, String argsJson) {}

    /** One result per mutation of the batch, in order. */
    record PushResponse(List<MutationOutcome> results) {
        public PushResponse {
            results = List.copyOf(results);
        }
    }

    /** What happened to one mutation. */
    sealed interface MutationOutcome {
        long id();
    }

    /** Committed; {@code replayed} when answered from the journal. */
    record Applied(long id, Object serverId, List<String> affectedBuckets, boolean replayed)
            implements MutationOutcome {
        public Applied {
            affectedBuckets = List.copyOf(affectedBuckets);
        }
    }

    /** Recorded as rejected; the client rolls back that optimistic write and goes on. */
    record Rejected(long id, SyncErrorCode code, String message, Map<String, Object> details, boolean replayed)
            implements MutationOutcome {
        public Rejected {
            details = Map.copyOf(details);
        }
    }

    /** Stopped by a transient failure (the first such result carries the code); the client retries from here. */
    record NotAttempted(long id, SyncErrorCode code) implements MutationOutcome {}
}
