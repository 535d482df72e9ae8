package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.JdbiOperatorStore.Read;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.ports.in.InspectSyncState.JournalPosition;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every read of the admin console stays on index ranges when Nizhal's tables are large (a journal of 100k entries,
 * 10k clients with pull records, a change log of 300k rows): no sequential scan of a big table, and the index each
 * view was built for, both in the plan with the values at hand and in the generic plan PostgreSQL may switch a reused
 * prepared statement to. Plans, not timings: bench/README.md has the timings.
 */
@org.junit.jupiter.api.extension.ExtendWith(PostgresExtension.class)
class JdbiOperatorStorePlanIT {
    private static final List<String> BIG_TABLES =
            List.of("mutation_journal", "change_log", "client_pulls", "clients", "pull_log");
    private static final Instant NOW = Instant.now();

    private static Jdbi jdbi;

    @BeforeAll
    static void fillLargeTables(TestDatabase database) {
        new NizhalSchemaMigration(database.dataSource()).migrate();
        jdbi = database.jdbi();
        jdbi.useHandle(h -> {
            h.execute("insert into nizhal.clients (client_id, actor)"
                    + " select 'client-' || i, 'user-' || (i % 4000) from generate_series(1, 10000) i");
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args, args_hash,"
                    + " status, created_at) select 'client-' || ((g - 1) % 10000 + 1), (g - 1) / 10000 + 1,"
                    + " (array['addNote','editNote','deleteNote','createList','addTodo','toggleTodo'])[g % 6 + 1],"
                    + " 'user-' || (((g - 1) % 10000 + 1) % 4000), '{}', md5(g::text),"
                    + " case when g % 10 = 0 then 'rejected' else 'applied' end,"
                    + " now() - (100000 - g) * interval '25 seconds' from generate_series(1, 100000) g");
            // one client in fifty never drained a pull; every other one also pulls a rule with three list buckets;
            // each actor has a bucket of its own
            h.execute("insert into nizhal.client_pulls (client_id, rule, actor, pulled_at, caught_up_at,"
                    + " caught_up_to, buckets) select 'client-' || i, r.rule, 'user-' || (i % 4000),"
                    + " now() - (i % 2880) * interval '1 minute', case when i % 50 = 0 then null"
                    + " else now() - (i % 2880) * interval '1 minute' - (i % 100) * interval '1 hour' end,"
                    + " case when i % 50 = 0 then null else cast((200000 - i % 100 * 750) || ':'"
                    + " || (200000 - i % 100 * 750) || ':' as pg_snapshot) end,"
                    + " case r.rule when 'myNotes' then array['b' || (i % 4000)]"
                    + " else array['list' || (i % 1000), 'list' || ((i + 1) % 1000), 'list' || ((i + 2) % 1000)] end"
                    + " from generate_series(1, 10000) i cross join lateral (select 'myNotes' as rule"
                    + " union all select 'sharedLists' where i % 2 = 0) r");
            h.execute("insert into nizhal.pull_log (client_id, rule, pulled_at, changes, has_more, reset)"
                    + " select 'client-' || (g % 10000 + 1), 'myNotes', now() - g * interval '60 milliseconds', 1,"
                    + " false, false from generate_series(1, 50000) g");
            h.execute("insert into nizhal.change_log (txid, bucket, tbl, pks)"
                    + " select cast(cast(125000 + g / 4 as text) as xid8), case when g % 5 = 0"
                    + " then 'list' || (g / 5 % 1000) else 'b' || (g % 4000) end, 'notes', array[cast(g as text)]"
                    + " from generate_series(1, 300000) g");
            h.execute("analyze");
        });
    }

    static Stream<Arguments> reads() {
        Instant hourAgo = NOW.minus(Duration.ofHours(1));
        // where paging back reaches three weeks ago: before every entry of that time (no client id is empty)
        JournalPosition threeWeeksAgo = new JournalPosition(NOW.minus(Duration.ofDays(21)), "", Long.MAX_VALUE);
        // a position inside one push's entries, as the console's next page starts from
        JournalPosition midPush = new JournalPosition(NOW.minus(Duration.ofDays(21)), "client-42", 7);
        return Stream.of(
                Arguments.of("clients by lag", JdbiOperatorStore.clientsByLag(0, 50), "client_pulls_caught_up_at"),
                Arguments.of(
                        "clients by lag, deep page",
                        JdbiOperatorStore.clientsByLag(5_000, 50),
                        "client_pulls_caught_up_at"),
                Arguments.of(
                        "clients of an actor", JdbiOperatorStore.clientsOfActor("user-17", 0, 50), "clients_actor"),
                Arguments.of(
                        "changes behind", JdbiOperatorStore.behindRead("client-42", null), "change_log_bucket_txid"),
                Arguments.of(
                        "changes behind in a rule",
                        JdbiOperatorStore.behindRead("client-42", "sharedLists"),
                        "change_log_bucket_txid"),
                Arguments.of("journal", journal(null, null, null, null, null, null), "mutation_journal_created_at"),
                Arguments.of(
                        "journal, older page",
                        journal(null, null, null, null, null, threeWeeksAgo),
                        "mutation_journal_created_at"),
                Arguments.of(
                        "journal of a client",
                        journal("client-42", null, null, null, null, null),
                        "mutation_journal_pkey"),
                Arguments.of(
                        "journal, older page from inside a push",
                        journal(null, null, null, null, null, midPush),
                        "mutation_journal_created_at"),
                Arguments.of(
                        "journal of a client, older page",
                        journal("client-42", null, null, null, null, midPush),
                        "mutation_journal_(pkey|created_at)"),
                Arguments.of(
                        "journal of an actor, older page",
                        journal(null, "user-17", null, null, null, midPush),
                        "mutation_journal_actor"),
                Arguments.of(
                        "journal, rejected, older page",
                        journal(null, null, null, "rejected", null, midPush),
                        "mutation_journal_rejected"),
                Arguments.of(
                        "journal, actor and rejected from a time, older page",
                        journal(null, "user-17", null, "rejected", NOW.minus(Duration.ofDays(28)), midPush),
                        "mutation_journal_(actor|rejected)"),
                Arguments.of(
                        "journal of an actor",
                        journal(null, "user-17", null, null, null, null),
                        "mutation_journal_actor"),
                Arguments.of(
                        "journal of a mutator",
                        journal(null, null, "toggleTodo", null, null, threeWeeksAgo),
                        "mutation_journal_(name|created_at)"),
                Arguments.of(
                        "journal, rejected",
                        journal(null, null, null, "rejected", null, null),
                        "mutation_journal_rejected"),
                Arguments.of(
                        "journal, applied",
                        journal(null, null, null, "applied", null, null),
                        "mutation_journal_created_at"),
                Arguments.of(
                        "journal, from a time",
                        journal(null, null, null, null, hourAgo, null),
                        "mutation_journal_created_at"),
                Arguments.of(
                        "journal, actor and rejected",
                        journal(null, "user-17", null, "rejected", null, null),
                        "mutation_journal_(actor|rejected)"),
                Arguments.of(
                        "journal entry", JdbiOperatorStore.journalEntryRead("client-42", 3), "mutation_journal_pkey"),
                Arguments.of("a client's pulls", JdbiOperatorStore.pullsRead("client-42", 50), "pull_log_client"),
                Arguments.of(
                        "bucket summaries",
                        JdbiOperatorStore.bucketSummariesRead(List.of("b17", "list9")),
                        "client_pulls_buckets"),
                Arguments.of(
                        "bucket summaries' changes",
                        JdbiOperatorStore.bucketSummariesRead(List.of("b17", "list9")),
                        "change_log_bucket_txid"),
                Arguments.of("a bucket's changes", JdbiOperatorStore.changesRead("b17", 50), "change_log_bucket_txid"),
                Arguments.of("a bucket's holders", JdbiOperatorStore.holdersRead("b17", 50), "client_pulls_buckets"),
                Arguments.of("rejected in a day", JdbiOperatorStore.REJECTED_LAST_DAY, "mutation_journal_rejected"),
                Arguments.of("pushes per minute", JdbiOperatorStore.PUSHES_LAST_MINUTE, "mutation_journal_created_at"),
                Arguments.of("pulls per minute", JdbiOperatorStore.PULLS_LAST_MINUTE, "pull_log_pulled_at"));
    }

    private static Read journal(
            String client, String actor, String mutator, String status, Instant from, JournalPosition after) {
        return JdbiOperatorStore.journalRead(new JournalQuery(client, actor, mutator, status, from, after, 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reads")
    void withTheValuesAtHandReadsIndexRanges(String view, Read read, String index) {
        List<String> plan = jdbi.withHandle(
                h -> read.query(h, "explain ").mapTo(String.class).list());

        assertReadsIndexRanges(plan, index);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reads")
    void inTheGenericPlanOfAPreparedStatementReadsIndexRanges(String view, Read read, String index) {
        List<String> plan = jdbi.withHandle(h -> genericPlan(h, read));

        assertReadsIndexRanges(plan, index);
    }

    @Test
    void theCheckSeesASequentialScanOfABigTable() {
        Read unindexed = new Read(
                "select * from nizhal.mutation_journal j where j.args_hash = :hash limit 10", Map.of("hash", "x"));
        List<String> plan = jdbi.withHandle(
                h -> unindexed.query(h, "explain ").mapTo(String.class).list());

        assertThat(seqScansOfBigTables(plan)).isNotEmpty();
    }

    /** The plan PostgreSQL may switch a reused prepared statement to (GenericPlans). */
    private static List<String> genericPlan(Handle h, Read read) {
        Map<String, String> values = new LinkedHashMap<>();
        read.params().forEach((name, value) -> values.put(name, text(value)));
        return GenericPlans.explain(h, "console_read", "", read.sql(), values);
    }

    private static String text(Object value) {
        return switch (value) {
            case String[] array -> "{" + String.join(",", array) + "}";
            case Timestamp t -> t.toInstant().toString();
            default -> value.toString();
        };
    }

    private static void assertReadsIndexRanges(List<String> plan, String index) {
        String text = String.join("\n", plan);
        assertThat(seqScansOfBigTables(plan)).as(text).isEmpty();
        assertThat(scans(plan))
                .as(text)
                .anyMatch(
                        line -> line.matches("(Index Scan|Index Scan Backward|Index Only Scan|Index Only Scan Backward"
                                + "|Bitmap Index Scan)( using| on) " + index + "( .*)?"));
    }

    private static List<String> seqScansOfBigTables(List<String> plan) {
        return scans(plan).stream()
                .filter(line -> line.contains("Seq Scan"))
                .filter(line -> BIG_TABLES.stream().anyMatch(t -> line.matches(".* on " + t + "( .*)?")))
                .toList();
    }

    private static List<String> scans(List<String> plan) {
        return plan.stream()
                .map(String::strip)
                .map(line -> line.startsWith("->  ") ? line.substring(4) : line)
                .filter(line -> Arrays.stream(new String[] {"Seq Scan", "Index", "Bitmap"})
                        .anyMatch(line::startsWith))
                .toList();
    }
}
