package dev.nizhal.ports.out;

import java.util.Set;

/** Pokes the sockets whose actor holds one of the buckets, after a commit. A hint only: the pull is authoritative. */
@FunctionalInterface
public interface RealtimeNotifier {
    /**
     * @param txid the committed transaction's id: the change-log poller skips the transactions already published
     * @param buckets the buckets (and {@code grant:} keys) it logged entries under
     */
    void publish(long txid, Set<String> buckets);
}
