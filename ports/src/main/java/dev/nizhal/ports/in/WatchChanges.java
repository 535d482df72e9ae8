package dev.nizhal.ports.in;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.PgSnapshot;
import java.util.Map;
import java.util.Set;

/**
 * What the realtime stream ({@code GET /sync/stream}, PROTOCOL.md) needs: the keys a socket listens to, and the
 * commits since the change-log poller's last look (CHANGE-CAPTURE.md "Realtime"). A poke is a hint: whatever this
 * misses, the next pull still finds.
 */
public interface WatchChanges {

    /**
     * The keys a socket of {@code actor} for {@code syncRule} listens to, in one snapshot: the buckets its pull
     * would serve (the requested ones it is granted, or all granted ones when {@code bucketsFilterJson} is null),
     * the rule's TRUNCATE markers, and the actor's grant keys.
     *
     * @param bucketsFilterJson the client's filter for this rule (a JSON array of objects), or null
     * @throws dev.nizhal.domain.error.SyncException {@code UNKNOWN_SYNC_RULE}; {@code TRANSIENT} when the database is
     *     unavailable or the rules are not installed yet
     */
    Watch watch(Actor actor, String syncRule, String bucketsFilterJson);

    /**
     * The transactions committed after {@code after} and the keys each logged under, up to the current snapshot,
     * which is the next call's {@code after}.
     *
     * @param after the position of the previous call; null the first time (no commits, only the position)
     */
    Commits commitsAfter(PgSnapshot after);

    /**
     * @param buckets poke the socket when a commit logs under one of these
     * @param grantKeys recompute the socket's buckets, then poke, when a commit logs under one of these
     */
    record Watch(String syncRule, Set<String> buckets, Set<String> grantKeys) {
        public Watch {
            buckets = Set.copyOf(buckets);
            grantKeys = Set.copyOf(grantKeys);
        }
    }

    /**
     * @param position the snapshot up to which commits were read
     * @param keysByTxid the keys (buckets, grant keys, TRUNCATE markers) each transaction logged under
     * @param cut true when there were more than one read holds: every socket should be poked
     */
    record Commits(PgSnapshot position, Map<Long, Set<String>> keysByTxid, boolean cut) {
        public Commits {
            keysByTxid = Map.copyOf(keysByTxid);
        }
    }
}
