package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.cursor.ReadAhead;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.SqlCompiler;
import dev.nizhal.ports.out.RowSource;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a size-bounded page reads from the database, counted in the PostgreSQL driver's own protocol log: each fetch
 * it asks for ({@code Execute} with a row limit) and each row that arrives ({@code DataRow}). A page keeps its rows
 * up to the size bound; what the driver reads past them is at most one fetch, as {@link JdbiRowSource.PageReader}
 * sizes it.
 */
@ExtendWith(PostgresExtension.class)
class JdbiRowSourcePageFetchIT {
    private static final int WIDE = 1_000_000;
    private static final long BOUND = 4L * 1024 * 1024;

    private static Jdbi jdbi;
    private static CollectionOf docs;

    /** The compiled collection of the one rule. */
    private record CollectionOf(CompiledCollection collection) {}

    private final Protocol protocol = new Protocol();
    private final Logger driver = Logger.getLogger("org.postgresql");
    private Level level;

    @BeforeAll
    static void setUp(TestDatabase database) {
        jdbi = database.jdbi();
        jdbi.useHandle(h -> h.execute("create table docs(id text primary key, body text)"));
        // 40 narrow rows, then 30 of a million characters, then 5,000 narrow ones: in key order
        jdbi.useHandle(
                h -> h.execute(
                        "insert into docs select 'a' || lpad(i::text, 4, '0'), 'x' from generate_series(1, 40) i;"
                                + " insert into docs select 'b' || lpad(i::text, 4, '0'), repeat('w', " + WIDE + ")"
                                + " from generate_series(1, 30) i;"
                                + " insert into docs select 'c' || lpad(i::text, 4, '0'), 'x' from generate_series(1, 5000) i"));
        SyncRules rules = SyncRules.define(b -> b.rule(
                "docs", r -> r.global().data(bucket -> List.of(b.table("docs").columns("id", "body")))));
        CompiledRules compiled = SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables()));
        docs = new CollectionOf(
                compiled.rule("docs").orElseThrow().collection("docs").orElseThrow());
    }

    @BeforeEach
    void listenToTheDriver() {
        level = driver.getLevel();
        driver.setLevel(Level.FINEST);
        driver.addHandler(protocol);
    }

    @AfterEach
    void stopListening() {
        driver.removeHandler(protocol);
        driver.setLevel(level);
    }

    private RowSource.Page page(String after, int limit, long maxBytes) {
        return new JdbiTransactions(jdbi).inReadTransaction(tx -> {
            protocol.clear();
            return new JdbiRowSource().page(tx, docs.collection(), "docs[]", after, limit, maxBytes);
        });
    }

    @Test
    void rowsAsWideAsTheFirstStopNearTheBound() {
        RowSource.Page page = page("a0040", 5_000, BOUND);

        // four rows of a million reach the bound only with the fifth
        assertThat(page.rows()).hasSize(5);
        assertThat(page.cut()).isTrue();
        assertThat(protocol.fetches.getFirst()).isEqualTo(ReadAhead.FIRST);
        assertThat(protocol.rows)
                .as("rows read")
                .isLessThanOrEqualTo(page.rows().size() + 4);
    }

    @Test
    void aRunOfWideRowsAfterNarrowOnesIsReadAtMostOneGrowthStepAhead() {
        RowSource.Page page = page(null, 5_000, BOUND);

        assertThat(page.rows()).hasSize(40 + 5);
        assertThat(page.cut()).isTrue();
        // the fetch that meets the wide rows holds at most GROWTH times the rows read before it (all 30 wide ones
        // here: the worst case the sizing allows), not the 5,000 asked
        assertThat(protocol.rows)
                .as("rows read")
                .isLessThanOrEqualTo(page.rows().size() * (1 + ReadAhead.GROWTH));
    }

    @Test
    void aPageOfNarrowRowsTakesAFewFetches() {
        RowSource.Page page = page("b0030", 5_000, BOUND);

        assertThat(page.rows()).hasSize(5_000);
        assertThat(page.cut()).isFalse();
        // (a connection's first use may add a row or two of the driver's own look-ups of types)
        assertThat(protocol.rows).isBetween(5_000, 5_010);
        assertThat(protocol.fetches).as("fetches %s", protocol.fetches).hasSizeLessThanOrEqualTo(6);
        assertThat(protocol.fetches.stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(5_000);
    }

    /** The driver's FINEST protocol log: the row limit of each Execute, and the DataRows that came. */
    private static final class Protocol extends Handler {
        final List<Integer> fetches = new ArrayList<>();
        int rows;

        void clear() {
            fetches.clear();
            rows = 0;
        }

        @Override
        public synchronized void publish(LogRecord record) {
            String message = record.getMessage();
            if (message == null) {
                return;
            }
            if (message.startsWith(" FE=> Execute(") && record.getParameters() != null) {
                int limit = ((Number) record.getParameters()[1]).intValue();
                if (limit > 0) {
                    fetches.add(limit);
                }
            } else if (message.startsWith(" <=BE DataRow")) {
                rows++;
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
