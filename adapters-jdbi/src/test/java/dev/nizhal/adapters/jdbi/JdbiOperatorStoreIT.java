package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.in.InspectSyncState.BucketSummary;
import dev.nizhal.ports.in.InspectSyncState.ClientQuery;
import dev.nizhal.ports.in.InspectSyncState.ClientSummary;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalPosition;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the console's paged reads return: the order of clients by lag across pages, the journal's filters. */
@ExtendWith(PostgresExtension.class)
class JdbiOperatorStoreIT {
    private static Jdbi jdbi;
    private static JdbiOperatorStore store;

    @BeforeAll
    static void migrate(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        jdbi = database.jdbi();
        store = new JdbiOperatorStore(jdbi);
        jdbi.useHandle(h -> {
            // c1..c6 pushed; c7 only pulled (the journal never saw it)
            h.execute("insert into nizhal.clients (client_id, actor, last_mutation_id) values"
                    + " ('c1', 'ann', 1), ('c2', 'ann', 2), ('c3', 'bob', 3), ('c4', 'bob', 4), ('c5', 'cy', 5),"
                    + " ('c6', 'ann', 6)");
            // c1: caught up 3 h ago on one rule, never on the other: it never caught up (first);
            // c2: caught up 1 h ago and 5 h ago: its oldest drained pull is 5 h ago;
            // c3: caught up 2 h ago; c4: 4 h ago on one rule and 30 min ago on another; c5, c6: never pulled
            h.execute("insert into nizhal.client_pulls (client_id, rule, actor, pulled_at, caught_up_at, buckets)"
                    + " values ('c1', 'a', 'ann', now(), now() - interval '3 hours', '{x}'),"
                    + " ('c1', 'b', 'ann', now(), null, '{y}'),"
                    + " ('c2', 'a', 'ann', now(), now() - interval '1 hour', '{x}'),"
                    + " ('c2', 'b', 'ann', now(), now() - interval '5 hours', '{y}'),"
                    + " ('c3', 'a', 'bob', now(), now() - interval '2 hours', '{x,z}'),"
                    + " ('c4', 'a', 'bob', now(), now() - interval '30 minutes', '{x}'),"
                    + " ('c4', 'b', 'bob', now(), now() - interval '4 hours', '{y}'),"
                    + " ('c7', 'a', 'dee', now(), null, '{x}')");
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args_hash, status,"
                    + " created_at) select 'c' || (g % 3 + 1), g, case when g % 2 = 0 then 'addNote' else 'addTodo'"
                    + " end, case when g % 3 = 2 then 'bob' else 'ann' end, md5(g::text),"
                    + " case when g % 4 = 0 then 'rejected' else 'applied' end, now() - g * interval '1 minute'"
                    + " from generate_series(1, 40) g");
            h.execute("insert into nizhal.change_log (bucket, tbl, pks) values ('x', 'notes', '{k1,k2}'),"
                    + " ('x', 'notes', '{k3}'), ('z', 'notes', '{k4}')");
        });
    }

    @Test
    void clientsComeByLagOnEveryPageAndThoseNeverSeenPullingComeLast() {
        List<String> expected = List.of("c1", "c2", "c4", "c3", "c5", "c6");

        assertThat(ids(store.clients(new ClientQuery(null, 0, 500)))).containsExactlyElementsOf(expected);
        for (int size = 1; size <= 4; size++) {
            List<String> paged = new ArrayList<>();
            for (int offset = 0; offset < 8; offset += size) {
                paged.addAll(ids(store.clients(new ClientQuery(null, offset, size))));
            }
            assertThat(paged).as("pages of %d", size).containsExactlyElementsOf(expected);
        }
        assertThat(ids(store.clients(new ClientQuery("ann", 0, 10)))).containsExactly("c1", "c2", "c6");
        assertThat(ids(store.clients(new ClientQuery("ann", 1, 1)))).containsExactly("c2");
        assertThat(ids(store.clients(new ClientQuery("bob", 0, 10)))).containsExactly("c4", "c3");
    }

    @Test
    void aClientShowsItsRulesLastPullAndOldestDrainedPull() {
        ClientSummary c2 = store.clients(new ClientQuery(null, 1, 1)).getFirst();

        assertThat(c2.clientId()).isEqualTo("c2");
        assertThat(c2.actor()).isEqualTo("ann");
        assertThat(c2.lastMutationId()).isEqualTo(2);
        assertThat(c2.rules()).containsExactly("a", "b");
        assertThat(c2.lastPullAt()).isPresent();
        assertThat(c2.caughtUpAt())
                .hasValueSatisfying(t -> assertThat(t)
                        .isBefore(Instant.now().minusSeconds(4 * 3600))
                        .isAfter(Instant.now().minusSeconds(6 * 3600)));
        assertThat(store.clients(new ClientQuery(null, 5, 1)).getFirst().rules())
                .isEmpty();
    }

    @Test
    void theJournalsFiltersCombine() {
        assertThat(store.journal(JournalQuery.newest(500))).hasSize(40);
        assertThat(store.journal(new JournalQuery("c2", null, null, null, null, null, 500)))
                .hasSize(14)
                .allSatisfy(e -> assertThat(e.clientId()).isEqualTo("c2"));
        assertThat(store.journal(new JournalQuery(null, "bob", "addNote", "rejected", null, null, 500)))
                .isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.actor()).isEqualTo("bob");
                    assertThat(e.mutator()).isEqualTo("addNote");
                    assertThat(e.status()).isEqualTo("rejected");
                });
        assertThat(store.journal(new JournalQuery(null, null, null, "applied", null, null, 500)))
                .hasSize(30);
        List<JournalEntry> newest = store.journal(JournalQuery.newest(10));
        Instant tenth = newest.getLast().recordedAt();
        assertThat(store.journal(
                        new JournalQuery(null, null, null, null, null, JournalPosition.of(newest.getLast()), 500)))
                .hasSize(30)
                .allSatisfy(e -> assertThat(e.recordedAt()).isBefore(tenth));
        assertThat(store.journal(new JournalQuery(null, null, null, null, tenth, null, 500)))
                .extracting(JournalEntry::mutationId)
                .containsExactlyElementsOf(
                        newest.stream().map(JournalEntry::mutationId).toList());
        assertThat(store.journalEntry("c2", 4))
                .hasValueSatisfying(e -> assertThat(e.status()).isEqualTo("rejected"));
    }

    @Test
    void bucketSummariesCountHoldersAndChangesInTheOrderAsked() {
        assertThat(store.bucketSummaries(List.of("z", "x", "none")))
                .extracting(BucketSummary::bucket, BucketSummary::holders, BucketSummary::changes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("z", 1L, 1L),
                        org.assertj.core.groups.Tuple.tuple("x", 5L, 3L),
                        org.assertj.core.groups.Tuple.tuple("none", 0L, 0L));
        assertThat(store.bucketSummaries(List.of())).isEmpty();
        assertThat(store.holders("x", 3)).containsExactly("c1", "c2", "c3");
    }

    private static List<String> ids(List<ClientSummary> clients) {
        return clients.stream().map(ClientSummary::clientId).toList();
    }
}
