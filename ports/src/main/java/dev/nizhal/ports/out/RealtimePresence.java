package dev.nizhal.ports.out;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/** This instance's realtime streams, for operators. */
public interface RealtimePresence {
    RealtimePresence NONE = new None();

    int sockets();

    /** The client ids of the connected streams. */
    Set<String> connectedClients();

    /** When the change-log poller last ran. */
    Optional<Instant> lastPoll();

    /** No streams: a process without the realtime endpoint. */
    record None() implements RealtimePresence {
        @Override
        public int sockets() {
            return 0;
        }

        @Override
        public Set<String> connectedClients() {
            return Set.of();
        }

        @Override
        public Optional<Instant> lastPoll() {
            return Optional.empty();
        }
    }
}
