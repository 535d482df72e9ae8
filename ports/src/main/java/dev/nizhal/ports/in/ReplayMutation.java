package dev.nizhal.ports.in;

/** Runs a recorded failed mutation again after a fix (admin only); the journal keeps both outcomes. */
@FunctionalInterface
public interface ReplayMutation {
    PushMutations.MutationOutcome replay(String clientId, long mutationId);
}
