package dev.nizhal.ports.in;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Read-only views of sync state for operators (the admin console). Every list is paged on an index: the console
 * answers as fast with a million journal entries as with ten.
 */
public interface InspectSyncState {
    /** Changes behind are counted up to this many (a bounded read); more show as this many. */
    long CHANGES_BEHIND_CAP = 1_000;

    /** The instance and its database at a glance. */
    Overview overview();

    /**
     * Clients, the most behind first, paged: those with a rule whose pulls never drained, then by their oldest drained
     * pull; the clients never seen pulling (they only pushed) come last. Each page reads index ranges.
     */
    List<ClientSummary> clients(ClientQuery query);

    /** One client, with its rules, its recent pulls and its recent pushes; empty when the journal never saw it. */
    Optional<ClientDetail> client(String clientId);

    /**
     * Journal entries in the journal's order (newest first, then by client, then newest mutation first), paged by
     * {@link JournalQuery#after}.
     */
    List<JournalEntry> journal(JournalQuery query);

    /** One journal entry; empty when there is none. */
    Optional<JournalEntry> journalEntry(String clientId, long mutationId);

    /** The buckets of a rule with these parameter values (every parameter named), with what the console knows of each. */
    BucketSearch buckets(String rule, Map<String, String> parameterValues);

    /** One bucket: its rows in one collection (paged by key), its recent changes, the clients that hold it. */
    BucketDetail bucket(String bucket, String collection, String afterKey, int limit);

    /** The compiled rules, the capture triggers as installed, and the linter's findings against the live schema. */
    RulesReport rules();

    /**
     * @param databaseUp whether the database answered
     * @param migrationsCurrent whether every migration has run and the rules' plan is installed
     * @param changeLogRows an estimate for large tables (the planner's), exact below 100,000
     * @param oldestChange when the oldest retained change was logged, if any
     * @param pushesPerMinute mutations recorded in the last minute, on every instance
     * @param pullsPerMinute pulls seen in the last minute, on every instance
     * @param sockets WebSocket streams connected to this instance
     * @param lastPoll when this instance's change-log poller last ran, if it has
     */
    record Overview(
            boolean databaseUp,
            boolean migrationsCurrent,
            long changeLogRows,
            Optional<Instant> oldestChange,
            long clients,
            long journalEntries,
            long rejectedLastDay,
            long pushesPerMinute,
            long pullsPerMinute,
            int sockets,
            Optional<Instant> lastPoll) {}

    /**
     * @param actor only this actor's clients, or null
     * @param offset rows to skip (the list is ordered by lag)
     * @param limit at most this many, 1 to 500
     */
    record ClientQuery(String actor, int offset, int limit) {
        public ClientQuery {
            if (limit < 1 || limit > 500) {
                throw new IllegalArgumentException("limit is between 1 and 500");
            }
            if (offset < 0) {
                throw new IllegalArgumentException("offset is not negative");
            }
        }
    }

    /**
     * A client and where it stands.
     *
     * @param rules the rules it pulled, by name
     * @param lastPullAt its last pull, on any rule; empty when the console never saw it pull
     * @param caughtUpAt the oldest of its rules' last drained pulls: its cursor position as a time
     * @param changesBehind rows changed in the buckets it held at its last drained pull that the pull had not seen
     *     (over every rule), up to {@link #CHANGES_BEHIND_CAP}; -1 when it never caught up
     * @param connected whether a WebSocket of this client is connected to this instance
     */
    record ClientSummary(
            String clientId,
            String actor,
            List<String> rules,
            long lastMutationId,
            Optional<Instant> lastPullAt,
            Optional<Instant> caughtUpAt,
            long changesBehind,
            boolean connected) {
        public ClientSummary {
            rules = List.copyOf(rules);
        }
    }

    record ClientDetail(
            ClientSummary summary,
            Instant createdAt,
            List<RulePosition> positions,
            List<PullSeen> pulls,
            List<JournalEntry> pushes) {
        public ClientDetail {
            positions = List.copyOf(positions);
            pulls = List.copyOf(pulls);
            pushes = List.copyOf(pushes);
        }
    }

    /** A client's place in one rule, as its last pull left it. */
    record RulePosition(
            String rule,
            Instant lastPullAt,
            Optional<Instant> caughtUpAt,
            long pulls,
            List<String> buckets,
            long changesBehind) {
        public RulePosition {
            buckets = List.copyOf(buckets);
        }
    }

    record PullSeen(String rule, Instant at, int changes, boolean hasMore, boolean reset) {}

    /**
     * @param clientId only this client's entries, or null
     * @param actor only this actor's, or null
     * @param mutator only this mutator's, or null
     * @param status {@code applied}, {@code rejected}, or null for both
     * @param from entries recorded at or after this, or null
     * @param after entries that come after this one in the journal's order (the previous page's last entry), or null
     *     for the newest; a position, not a time, because the entries of one push share their time
     * @param limit at most this many, 1 to 500
     */
    record JournalQuery(
            String clientId,
            String actor,
            String mutator,
            String status,
            Instant from,
            JournalPosition after,
            int limit) {
        public JournalQuery {
            if (limit < 1 || limit > 500) {
                throw new IllegalArgumentException("limit is between 1 and 500");
            }
            if (status != null && !status.equals("applied") && !status.equals("rejected")) {
                throw new IllegalArgumentException("status is applied or rejected");
            }
        }

        public static JournalQuery newest(int limit) {
            return new JournalQuery(null, null, null, null, null, null, limit);
        }
    }

    /** Where an entry stands in the journal's order: its time, then its client, then its mutation id. */
    record JournalPosition(Instant recordedAt, String clientId, long mutationId) {
        public JournalPosition {
            Objects.requireNonNull(recordedAt, "recordedAt");
            Objects.requireNonNull(clientId, "clientId");
        }

        public static JournalPosition of(JournalEntry entry) {
            return new JournalPosition(entry.recordedAt(), entry.clientId(), entry.mutationId());
        }
    }

    /**
     * One recorded mutation, as the journal keeps it.
     *
     * @param resultJson the result of an applied mutation, or null
     * @param errorJson the error of a rejected one ({@code code}, {@code message}, {@code details}), or null
     * @param replayOf the entry this one replays ({@code clientId/mutationId}), or null
     * @param replayedBy the entries that replay this one, with the operator who ran each
     */
    record JournalEntry(
            String clientId,
            long mutationId,
            String mutator,
            String actor,
            String status,
            String argsJson,
            String resultJson,
            String errorJson,
            Instant recordedAt,
            String replayOf,
            List<String> replayedBy) {
        public JournalEntry {
            replayedBy = List.copyOf(replayedBy);
        }
    }

    /**
     * @param buckets the bucket keys these values name in the rule (one per data query)
     * @param holders clients whose last pull held one of them
     */
    record BucketSearch(String rule, List<BucketSummary> buckets) {
        public BucketSearch {
            buckets = List.copyOf(buckets);
        }
    }

    record BucketSummary(String bucket, List<String> collections, long holders, long changes) {
        public BucketSummary {
            collections = List.copyOf(collections);
        }
    }

    /**
     * @param rows the collection's rows in the bucket, ordered by key, after {@code afterKey}
     * @param changes the bucket's most recent changes (newest first)
     * @param holders clients whose last pull held the bucket
     */
    record BucketDetail(
            String bucket,
            String collection,
            List<Map<String, Object>> rows,
            List<ChangeSeen> changes,
            List<String> holders) {
        public BucketDetail {
            rows = List.copyOf(rows);
            changes = List.copyOf(changes);
            holders = List.copyOf(holders);
        }
    }

    record ChangeSeen(long seq, String table, List<String> keys, long txid) {
        public ChangeSeen {
            keys = List.copyOf(keys);
        }
    }

    /**
     * @param rules each rule's description: its parameters, buckets and data queries as compiled
     * @param triggers the capture triggers installed in the database, as PostgreSQL prints them
     * @param findings the linter's findings against the live schema, each as {@code SEVERITY code: message}
     */
    record RulesReport(List<RuleText> rules, List<TriggerText> triggers, List<String> findings) {
        public RulesReport {
            rules = List.copyOf(rules);
            triggers = List.copyOf(triggers);
            findings = List.copyOf(findings);
        }
    }

    /**
     * @param parameters the rule's bucket parameters, in order (a global rule has none)
     * @param collections its collections' names
     * @param description parameters, grants and data queries as compiled
     */
    record RuleText(String name, List<String> parameters, List<String> collections, String description) {
        public RuleText {
            parameters = List.copyOf(parameters);
            collections = List.copyOf(collections);
        }
    }

    record TriggerText(String table, String name, String definition) {}
}
