package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.SqlCompiler;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What capture costs a bulk statement: 200k-row statements on a synced table and on an identical plain one, in the
 * same run. The times are printed as a figure, not asserted (they depend on the machine); what is asserted is that
 * the log grew with the buckets touched, not with the rows.
 */
@ExtendWith(PostgresExtension.class)
class CaptureCostIT {

    private static final int ROWS = 200_000;
    private static final int OWNERS = 200;

    @Test
    void a200kRowStatementWritesOneLogRowPerThousandKeysOfABucket(TestDatabase database) {
        Jdbi jdbi = database.jdbi();
        jdbi.useHandle(h -> h.createScript("""
                        create table plain_notes(id text primary key, body text, owner_id text);
                        create table synced_notes(id text primary key, body text, owner_id text);
                        """).execute());
        SyncRules rules = SyncRules.define(b -> b.rule(
                "myNotes",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("synced_notes")
                                .columns("id", "body", "owner_id")
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));
        new JdbiCaptureTriggers(database.dataSource())
                .install(SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables())));

        String insert = "insert into %s select 'n' || i, 'body', 'u' || (i %% " + OWNERS + ")"
                + " from generate_series(1, " + ROWS + ") as i";
        long plainInsert = millis(jdbi, insert.formatted("plain_notes"));
        long syncedInsert = millis(jdbi, insert.formatted("synced_notes"));
        int insertRows = logRows(jdbi);
        long plainMove = millis(jdbi, "update plain_notes set owner_id = owner_id || 'x'");
        long syncedMove = millis(jdbi, "update synced_notes set owner_id = owner_id || 'x'");
        int moveRows = logRows(jdbi) - insertRows;

        System.out.printf(
                Locale.ROOT,
                "capture cost, %,d rows in %d buckets: insert %d ms plain, %d ms synced (%.2fx);"
                        + " owner move %d ms plain, %d ms synced (%.2fx); log rows %d and %d%n",
                ROWS,
                OWNERS,
                plainInsert,
                syncedInsert,
                (double) syncedInsert / plainInsert,
                plainMove,
                syncedMove,
                (double) syncedMove / plainMove,
                insertRows,
                moveRows);
        assertThat(insertRows).isEqualTo(ROWS / 1000); // 200 buckets of 1,000 keys each
        assertThat(moveRows).isEqualTo(2 * ROWS / 1000); // every key under its old and its new bucket
    }

    private static long millis(Jdbi jdbi, String sql) {
        long start = System.nanoTime();
        jdbi.useHandle(h -> h.execute(sql));
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static int logRows(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from nizhal.change_log")
                .mapTo(Integer.class)
                .one());
    }
}
