package dev.nizhal.ports.out;

import dev.nizhal.domain.cursor.PgSnapshot;
import java.util.List;

/**
 * Sees each pull after its transaction, for operators (the console's last pull, held buckets and lag). An
 * observational write outside the pull: an implementation queues and writes in batches, and can neither fail nor slow
 * a pull (PROTOCOL P4). Best effort: what a crash loses is only what the console shows.
 */
@FunctionalInterface
public interface PullActivity {
    PullActivity NONE = pull -> {};

    /** Must return at once and never throw. */
    void pulled(PullRecord pull);

    /**
     * @param buckets the buckets the response says the client holds
     * @param upTo the window's upper snapshot: with {@code drained}, the client has every change visible in it
     * @param drained whether the response left nothing more to pull
     */
    record PullRecord(
            String clientId,
            String actor,
            String rule,
            List<String> buckets,
            PgSnapshot upTo,
            boolean drained,
            int changes,
            boolean reset) {
        public PullRecord {
            buckets = List.copyOf(buckets);
        }
    }
}
