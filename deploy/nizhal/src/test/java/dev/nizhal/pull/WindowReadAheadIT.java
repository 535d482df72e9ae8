package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static dev.nizhal.pull.WideRows.BOUND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.NizhalTestSeams;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Tx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a window reads its changed rows when nothing tells the width of the rows ahead. Deleted keys have no row, and a
 * table's rows say nothing of another table's: a window that begins with many deletes, or with many narrow rows of
 * one table, and goes on with wide rows must not read many of those at once. No read of changed rows returns more
 * rows of a table than one run of keys whose width nothing before them told ({@code ReadAhead}: 16 times the first
 * step's 4), and every change still arrives. A window of deletes only is read in runs of at most that many keys and
 * still answered up to the limit in one response.
 */
@ExtendWith(PostgresExtension.class)
class WindowReadAheadIT {
    private static final int GONE = 200;
    private static final int WIDE = 300;
    private static final int WIDE_CHARS = 50_000;

    private static final long WIDE_SIZE =
            new RowSource.Row("w001", null, Map.of("id", "w001", "body", "x".repeat(WIDE_CHARS))).size();

    private static TestDatabase db;
    private static Nizhal nizhal;
    /** Each call of the row source's changedRows: the keys it was asked, the rows it returned and their bytes. */
    private static final List<Read> reads = new CopyOnWriteArrayList<>();

    /** The most keys a run holds while fewer than {@code ReadAhead.FIRST} rows were found: 16 times 4. */
    private static final int UNKNOWN_WIDTH_RUN = 64;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, "create table notes(id text primary key, body text not null)");
        sql(
                db,
                "insert into notes select 'g' || lpad(i::text, 3, '0'), 'gone ' || i from generate_series(1, " + GONE
                        + ") i");
        sql(
                db,
                "insert into notes select 'w' || lpad(i::text, 3, '0'), 'short ' || i from generate_series(1, " + WIDE
                        + ") i");
        sql(db, "create table marks(id text primary key)");
        sql(db, "insert into marks select 'm' || lpad(i::text, 4, '0') from generate_series(1, 5000) i");
        sql(db, "create table labels(id text primary key, label text not null)");
        sql(db, "insert into labels select 'l' || lpad(i::text, 3, '0'), 'label ' || i from generate_series(1, 200) i");
        for (String table : List.of("tags", "photos", "videos")) {
            sql(db, "create table " + table + "(id text primary key, body text not null)");
            sql(
                    db,
                    "insert into " + table
                            + " select lpad(i::text, 3, '0'), 'short ' || i from generate_series(1, 200) i");
        }
        sql(db, "create table files(id text primary key, body text not null)");
        sql(
                db,
                "insert into files select 'f' || lpad(i::text, 3, '0'), 'short ' || i from generate_series(1, " + WIDE
                        + ") i");
        SyncRules rules = SyncRules.define(b -> b.rule(
                        "board",
                        r -> r.global().data(bucket -> List.of(b.table("notes").columns("id", "body"))))
                .rule(
                        "marks",
                        r -> r.global().data(bucket -> List.of(b.table("marks").columns("id"))))
                .rule(
                        "shelf",
                        r -> r.global()
                                .data(bucket -> List.of(
                                        b.table("labels").columns("id", "label"),
                                        b.table("files").columns("id", "body"))))
                .rule(
                        "album",
                        r -> r.global()
                                .data(bucket -> List.of(
                                        b.table("tags").columns("id", "body"),
                                        b.table("photos").columns("id", "body"),
                                        b.table("videos").columns("id", "body")))));
        Nizhal.Builder builder =
                Nizhal.builder().dataSource(db.dataSource()).syncRules(rules).cursorKey(SeedDatabase.CURSOR_KEY);
        NizhalTestSeams.rowSource(builder, Counting::new);
        nizhal = builder.build();
        nizhal.migrate();
    }

    @Test
    void deletesAtAWindowsStartDoNotWidenItsReadsOfTheRowsAfterThem() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-reader", "board");
        client.sync(5_000, 10);
        assertThat(client.rows("notes")).hasSize(GONE + WIDE);

        // one statement deletes the narrow notes, one widens the others: the window names the 200 deleted keys first
        sql(db, "delete from notes where id like 'g%'");
        sql(db, "update notes set body = repeat(chr(65 + (substr(id, 2)::int % 26)), " + WIDE_CHARS + ")");
        reads.clear();

        List<PullResponse> responses = client.sync(5_000, 100);

        assertThat(responses).hasSizeGreaterThan(1);
        assertThat(reads).isNotEmpty();
        // the first wide rows come after 200 deletes: no read may hold more of them than a run of unknown width
        assertThat(reads)
                .allSatisfy(read -> assertThat(read.rows())
                        .as("rows one read of changed rows returned")
                        .isLessThanOrEqualTo(UNKNOWN_WIDTH_RUN));
        assertThat(reads.stream().mapToLong(Read::bytes).max().orElseThrow())
                .as("the bytes of rows one read returned, of %d-byte rows", WIDE_SIZE)
                .isLessThanOrEqualTo(UNKNOWN_WIDTH_RUN * WIDE_SIZE)
                .isLessThan(BOUND);
        assertThat(reads.stream().mapToInt(Read::rows).sum()).isGreaterThanOrEqualTo(WIDE);
        assertThat(client.rows("notes")).isEqualTo(WideRows.table(db, "notes", "body"));
    }

    @Test
    void aWindowOfDeletesOnlyIsStillAnsweredInOneResponseAtTheLimit() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-marks", "marks");
        client.sync(5_000, 10);
        assertThat(client.rows("marks")).hasSize(5_000);

        sql(db, "delete from marks");
        reads.clear();
        List<PullResponse> responses = client.sync(5_000, 10);

        assertThat(responses.getFirst().changes()).hasSize(5_000);
        assertThat(client.rows("marks")).isEmpty();
        // runs of 4 keys, then of 64 while no row is found, however many keys were read
        assertThat(reads).isNotEmpty().allSatisfy(read -> {
            assertThat(read.rows()).isZero();
            assertThat(read.keys()).isLessThanOrEqualTo(UNKNOWN_WIDTH_RUN);
        });
        assertThat(reads.getFirst().keys()).isEqualTo(4);
        assertThat(reads.stream().mapToInt(Read::keys).sum()).isEqualTo(5_000);
    }

    @Test
    void aNarrowTablesRowsDoNotWidenTheReadsOfAnotherTablesRowsAfterThem() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-shelf", "shelf");
        client.sync(5_000, 10);
        assertThat(client.rows("labels")).hasSize(200);
        assertThat(client.rows("files")).hasSize(WIDE);

        // one statement changes the 200 narrow labels, then one widens the files: the window names the labels first
        sql(db, "update labels set label = label || ' v2'");
        sql(db, "update files set body = repeat(chr(65 + (substr(id, 2)::int % 26)), " + WIDE_CHARS + ")");
        reads.clear();

        List<PullResponse> responses = client.sync(5_000, 100);

        assertThat(responses).hasSizeGreaterThan(1);
        List<Read> files =
                reads.stream().filter(read -> read.table().equals("files")).toList();
        assertThat(files).isNotEmpty();
        // the labels' width says nothing of the files': no read may hold more files than a run of unknown width
        assertThat(files)
                .allSatisfy(read -> assertThat(read.rows())
                        .as("files one read of changed rows returned")
                        .isLessThanOrEqualTo(UNKNOWN_WIDTH_RUN));
        assertThat(files.stream().mapToInt(Read::rows).sum()).isGreaterThanOrEqualTo(WIDE);
        assertThat(client.rows("labels"))
                .hasSize(200)
                .allSatisfy(
                        (key, row) -> assertThat(row.get("label")).asString().endsWith(" v2"));
        assertThat(client.rows("files")).isEqualTo(WideRows.table(db, "files", "body"));
    }

    @Test
    void tablesWhoseWidthNothingToldShareOneRunOfUnknownWidth() {
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of("reader"), "c-album", "album");
        client.sync(5_000, 10);
        assertThat(client.rows("photos")).hasSize(200);

        // narrow tags, then deletes of photos and videos (keys without a row: the two tables' widths stay unknown),
        // then photos and videos widened in turn, so that their keys alternate in the window
        sql(db, "update tags set body = body || ' v2'");
        sql(db, "delete from photos where id <= '004'");
        sql(db, "delete from videos where id <= '004'");
        StringBuilder widen = new StringBuilder();
        for (int i = 5; i <= 144; i++) {
            for (String table : List.of("photos", "videos")) {
                widen.append("update ")
                        .append(table)
                        .append(" set body = repeat('w', ")
                        .append(WIDE_CHARS)
                        .append(") where id = '%03d';\n".formatted(i));
            }
        }
        sql(db, widen.toString());

        // each pull reads about its bound: 64 rows of unknown width at once in all, not 64 of each such table
        for (int pull = 0; pull < 100; pull++) {
            reads.clear();
            PullResponse response = client.pull(5_000);
            assertThat(reads.stream().mapToLong(Read::bytes).sum())
                    .as("bytes of rows read by pull %d, of %d-byte rows", pull, WIDE_SIZE)
                    .isLessThanOrEqualTo(BOUND + 2 * WIDE_SIZE);
            if (!response.hasMore()) {
                break;
            }
        }
        assertThat(client.rows("photos")).isEqualTo(WideRows.table(db, "photos", "body"));
        assertThat(client.rows("videos")).isEqualTo(WideRows.table(db, "videos", "body"));
        assertThat(client.rows("tags")).isEqualTo(WideRows.table(db, "tags", "body"));
        assertThat(client.rows("photos")).hasSize(196).doesNotContainKey("004");
    }

    /** A call of changedRows: the table, the keys asked, the rows returned, their bytes. */
    private record Read(String table, int keys, int rows, long bytes) {}

    /** The engine's own row source, recording each read of changed rows. */
    private record Counting(RowSource rows) implements RowSource {
        @Override
        public Set<String> grants(Tx tx, CompiledRule rule, Actor actor) {
            return rows.grants(tx, rule, actor);
        }

        @Override
        public Set<String> grantKeys(Tx tx, CompiledRule rule, Actor actor) {
            return rows.grantKeys(tx, rule, actor);
        }

        @Override
        public Set<String> requested(Tx tx, CompiledRule rule, String filtersJson) {
            return rows.requested(tx, rule, filtersJson);
        }

        @Override
        public List<Row> changedRows(Tx tx, CompiledCollection collection, List<String> keys, Set<String> readSet) {
            List<Row> read = rows.changedRows(tx, collection, keys, readSet);
            reads.add(new Read(
                    collection.name(),
                    keys.size(),
                    read.size(),
                    read.stream().mapToLong(Row::size).sum()));
            return read;
        }

        @Override
        public Page page(
                Tx tx, CompiledCollection collection, String bucket, String afterKey, int limit, long maxBytes) {
            return rows.page(tx, collection, bucket, afterKey, limit, maxBytes);
        }
    }
}
