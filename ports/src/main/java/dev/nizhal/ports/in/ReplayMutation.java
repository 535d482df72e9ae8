package dev.nizhal.ports.in;

/**
 * Runs a rejected mutation again, after the data it needed exists (admin only). The replay is a new journal entry,
 * under the client {@code replay:<clientId>} and linked to the original, so history is never rewritten; it runs
 * through the same mutator as the original actor (without the claims of the original token), in one transaction with
 * an audit line naming the operator, and its effects reach clients by pull as usual.
 */
@FunctionalInterface
public interface ReplayMutation {

    /**
     * @throws dev.nizhal.domain.error.SyncException {@code MALFORMED_REQUEST} with a clear message when the entry is
     *     not there, was applied, is a skip, or was already replayed successfully; {@code TRANSIENT} when the
     *     database is unavailable
     */
    Replayed replay(String operator, String clientId, long mutationId);

    /** The new journal entry and its outcome. */
    record Replayed(String replayClientId, long replayMutationId, PushMutations.MutationOutcome outcome) {}
}
