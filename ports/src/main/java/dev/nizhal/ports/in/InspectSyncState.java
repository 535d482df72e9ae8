package dev.nizhal.ports.in;

import java.time.Instant;
import java.util.List;

/** Read-only views of sync state for operators (the admin console). */
@FunctionalInterface
public interface InspectSyncState {
    List<ClientView> clients(int limit);

    /** A client: its actor, last mutation id, and when it last pulled (best effort). */
    record ClientView(String clientId, String actorId, long lastMutationId, Instant lastPullAt) {}
}
