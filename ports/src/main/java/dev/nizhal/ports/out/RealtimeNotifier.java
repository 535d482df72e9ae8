package dev.nizhal.ports.out;

import java.util.Set;

/** Pokes the sockets whose actor holds one of the buckets, after a commit. A hint only: the pull is authoritative. */
@FunctionalInterface
public interface RealtimeNotifier {
    /**
     * Called inside the transaction {@code txid}, just before it commits, when it logged anything: a change-log poller
     * that sees the commit before {@link #publish} is called knows that this process pokes for it. Nothing by default.
     */
    default void committing(long txid) {}

    /**
     * @param txid the committed transaction's id: the change-log poller skips the transactions already published
     * @param buckets the buckets (and {@code grant:} keys) it logged entries under
     */
    void publish(long txid, Set<String> buckets);
}
