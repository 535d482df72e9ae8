package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalPosition;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The journal's "older entries" pages, when many entries share one {@code created_at} (the mutations of one push share
 * its transaction's {@code now()}): every entry comes exactly once, in the order of one unpaged read, with each filter.
 * A database of its own, so that the other journal tests keep their counts.
 */
@ExtendWith(PostgresExtension.class)
class JdbiOperatorStoreJournalPagingIT {
    private static JdbiOperatorStore store;

    @BeforeAll
    static void fill(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        store = new JdbiOperatorStore(database.jdbi());
        database.jdbi().useHandle(h -> {
            h.execute("insert into nizhal.clients (client_id, actor, last_mutation_id) values ('p1', 'ann', 100),"
                    + " ('p2', 'ann', 100), ('p3', 'bob', 80)");
            // one transaction: p1, p2 and p3 push 60 mutations each, all at the same now() (180 entries, more than
            // the console's page of 100); then, from p1 and p2, 10 entries a minute earlier, 10 a minute later and 20
            // two minutes later
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args_hash, status,"
                    + " created_at) select 'p' || c, m, case when m % 2 = 0 then 'addNote' else 'addTodo' end,"
                    + " case when c = 3 then 'bob' else 'ann' end, md5(c || '/' || m),"
                    + " case when m % 4 = 0 then 'rejected' else 'applied' end, now()"
                    + " from generate_series(1, 3) c, generate_series(21, 80) m");
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args_hash, status,"
                    + " created_at) select 'p' || (g % 2 + 1), g, 'addTodo', 'ann', md5(g::text),"
                    + " case when g % 3 = 0 then 'rejected' else 'applied' end,"
                    + " case when g <= 10 then now() - interval '1 minute' else now() + interval '1 minute' end"
                    + " from generate_series(1, 20) g");
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args_hash, status,"
                    + " created_at) select 'p' || (g % 2 + 1), g + 80, 'addNote', 'ann', md5(g::text),"
                    + " 'applied', now() + interval '2 minutes' from generate_series(1, 20) g");
        });
    }

    @ParameterizedTest(name = "pages of {0}")
    @ValueSource(ints = {100, 7, 1})
    void everyEntryComesOnceInTheOrderOfOneRead(int page) {
        assertPagesMatchOneRead(f -> new JournalQuery(null, null, null, null, null, f.after, f.limit), page, 220);
    }

    @ParameterizedTest(name = "pages of {0}")
    @ValueSource(ints = {100, 7})
    void everyFilterPagesThroughEveryEntryOnce(int page) {
        assertPagesMatchOneRead(f -> new JournalQuery("p2", null, null, null, null, f.after, f.limit), page, 80);
        assertPagesMatchOneRead(f -> new JournalQuery(null, "ann", null, null, null, f.after, f.limit), page, 160);
        assertPagesMatchOneRead(f -> new JournalQuery(null, null, "addNote", null, null, f.after, f.limit), page, 110);
        assertPagesMatchOneRead(f -> new JournalQuery(null, null, null, "rejected", null, f.after, f.limit), page, 51);
        assertPagesMatchOneRead(f -> new JournalQuery(null, null, null, "applied", null, f.after, f.limit), page, 169);
        assertPagesMatchOneRead(
                f -> new JournalQuery(
                        null, "bob", "addTodo", "applied", Instant.now().minusSeconds(3600), f.after, f.limit),
                page,
                30);
    }

    /** Where the next page starts, and how many it holds. */
    private record Page(JournalPosition after, int limit) {}

    private static void assertPagesMatchOneRead(Function<Page, JournalQuery> query, int size, int total) {
        List<String> all = keys(store.journal(query.apply(new Page(null, 500))));
        assertThat(all).as("one read").hasSize(total).doesNotHaveDuplicates();

        List<String> paged = new ArrayList<>();
        Page next = new Page(null, size);
        for (int pages = 0; pages <= total / size + 1; pages++) {
            List<JournalEntry> entries = store.journal(query.apply(next));
            paged.addAll(keys(entries));
            if (entries.size() < size) {
                break;
            }
            next = new Page(JournalPosition.of(entries.getLast()), size);
        }

        assertThat(paged).as("pages of %d", size).containsExactlyElementsOf(all);
    }

    private static List<String> keys(List<JournalEntry> entries) {
        return entries.stream().map(e -> e.clientId() + "/" + e.mutationId()).toList();
    }
}
