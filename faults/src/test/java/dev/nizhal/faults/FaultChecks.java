package dev.nizhal.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * The check every fault of this suite ends with: each acknowledged mutation applied exactly once (its journal entry
 * is there once, the counters hold exactly the acknowledged increments: one twice would show as one too many, one
 * lost as one too few), and each client, once it has pulled until up to date, holds exactly its actor's rows of the
 * database (rows outside its actor's bucket are refused on arrival by {@link WireClient}).
 */
final class FaultChecks {
    private FaultChecks() {}

    /** Every mutation the clients made was acknowledged, is journaled once as applied, and counted once. */
    static void appliedExactlyOnce(TestDatabase db, List<WireClient> clients) {
        Map<String, Long> expected = new TreeMap<>();
        for (WireClient client : clients) {
            assertThat(client.pending())
                    .as("%s: mutations never acknowledged", client.clientId())
                    .isEmpty();
            long last = client.lastAcknowledged();
            assertThat(client.acknowledged().keySet())
                    .as("%s: acknowledged ids", client.clientId())
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(1, last).boxed().toList());
            List<String> journal = db.jdbi()
                    .withHandle(h -> h.createQuery("select mutation_id || ':' || status || ':' || (txid is not null)"
                                    + " from nizhal.mutation_journal where client_id = :client order by mutation_id")
                            .bind("client", client.clientId())
                            .mapTo(String.class)
                            .list());
            assertThat(journal)
                    .as("%s: the journal", client.clientId())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, last)
                            .mapToObj(id -> id + ":applied:true")
                            .toList());
            long lastInDb = db.jdbi()
                    .withHandle(h -> h.createQuery(
                                    "select coalesce(max(last_mutation_id), 0) from nizhal.clients where client_id = :c")
                            .bind("c", client.clientId())
                            .mapTo(Long.class)
                            .one());
            assertThat(lastInDb).as("%s: last mutation id", client.clientId()).isEqualTo(last);
            client.acknowledgedBumps().forEach((counter, n) -> expected.merge(counter, n, Long::sum));
        }
        Map<String, Long> counted = new TreeMap<>();
        db.jdbi()
                .useHandle(h -> h.createQuery("select id, n from counters where id = any(:ids)")
                        .bindArray("ids", String.class, (Object[])
                                expected.keySet().toArray(String[]::new))
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                        .forEach(e -> counted.put(e.getKey(), e.getValue())));
        assertThat(counted)
                .as("counters: every acknowledged increment exactly once")
                .isEqualTo(expected);
    }

    /**
     * The client pulls until up to date, then holds exactly its actor's counters (id and count) and stamps (key as the
     * engine encodes it, note) of the database. Returns the pulls it took.
     */
    static int converged(TestDatabase db, WireClient client) {
        int pulls = client.sync();
        Map<String, Long> counters = new TreeMap<>();
        client.rows("counters").forEach((k, row) -> {
            assertThat(row.get("id").asText()).isEqualTo(k);
            counters.put(k, row.get("n").asLong());
        });
        Map<String, Long> dbCounters = new TreeMap<>();
        db.jdbi()
                .useHandle(h -> h.createQuery("select id, n from counters where owner_id = :a")
                        .bind("a", client.actor())
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                        .forEach(e -> dbCounters.put(e.getKey(), e.getValue())));
        assertThat(counters).as("%s: counters", client.clientId()).isEqualTo(dbCounters);
        Map<String, String> stamps = new TreeMap<>();
        client.rows("stamps").forEach((k, row) -> stamps.put(k, row.get("note").asText()));
        Map<String, String> dbStamps = new TreeMap<>();
        db.jdbi().useTransaction(h -> {
            // the key's text as the capture triggers write it, whatever this session's settings
            h.execute("set local TimeZone = 'UTC'");
            h.execute("set local DateStyle = 'ISO, MDY'");
            h.createQuery("select at::text, note from stamps where owner_id = :a")
                    .bind("a", client.actor())
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                    .forEach(e -> dbStamps.put(e.getKey(), e.getValue()));
        });
        assertThat(stamps).as("%s: stamps", client.clientId()).isEqualTo(dbStamps);
        return pulls;
    }
}
