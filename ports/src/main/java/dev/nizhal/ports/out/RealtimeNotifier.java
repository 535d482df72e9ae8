package dev.nizhal.ports.out;

import java.util.Set;

/** Pokes the sockets whose actor holds one of the buckets, after a commit. A hint only: the pull is authoritative. */
@FunctionalInterface
public interface RealtimeNotifier {
    void publish(Set<String> buckets);
}
