package dev.nizhal.ports.out;

import dev.nizhal.ports.in.InspectSyncState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What operators read and write beside sync itself: paged reads of the journal, the clients and the change log, the
 * links of replays and the audit of what operators did. Reads run in their own read-only transactions.
 */
public interface OperatorStore {

    /** The database's side of the overview (counts are the planner's estimates above 100,000 rows). */
    Stats stats();

    List<InspectSyncState.ClientSummary> clients(InspectSyncState.ClientQuery query);

    Optional<ClientFacts> client(String clientId);

    List<InspectSyncState.JournalEntry> journal(InspectSyncState.JournalQuery query);

    Optional<InspectSyncState.JournalEntry> journalEntry(String clientId, long mutationId);

    /** The recent pulls of a client, newest first. */
    List<InspectSyncState.PullSeen> pulls(String clientId, int limit);

    /** How many of the bucket's changes the clients' last pulls had not seen, and who holds it. */
    List<InspectSyncState.BucketSummary> bucketSummaries(List<String> buckets);

    List<InspectSyncState.ChangeSeen> changes(String bucket, int limit);

    List<String> holders(String bucket, int limit);

    List<InspectSyncState.TriggerText> captureTriggers();

    /** Links a replay's journal entry to the original, and audits it, in the replay's transaction. */
    void recordReplay(
            Tx tx,
            String clientId,
            long mutationId,
            String replayClientId,
            long replayMutationId,
            String operator,
            String outcome);

    /** Whether an applied replay of the entry exists (read in {@code tx}, after the replay client's row is locked). */
    boolean replayedSuccessfully(Tx tx, String clientId, long mutationId);

    record Stats(
            long changeLogRows,
            Optional<Instant> oldestChange,
            long clients,
            long journalEntries,
            long rejectedLastDay,
            long pushesLastMinute,
            long pullsLastMinute) {}

    /** A client as the journal and the pull observer know it. */
    record ClientFacts(
            InspectSyncState.ClientSummary summary, Instant createdAt, List<InspectSyncState.RulePosition> positions) {}
}
