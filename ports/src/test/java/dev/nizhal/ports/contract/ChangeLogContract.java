package dev.nizhal.ports.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.out.ChangeLog;
import dev.nizhal.ports.out.ChangeLog.Entry;
import dev.nizhal.ports.out.ChangeLog.Meta;
import dev.nizhal.ports.out.ChangeLog.Position;
import dev.nizhal.ports.out.Transactions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract kit of {@link ChangeLog}: windows between two snapshots (CHANGE-CAPTURE.md "The snapshot cursor")
 * whatever the commit order, their order, paging positions that cut an entry, and the meta facts. An
 * implementation's test extends this class and supplies the setup hook, which writes entries the way capture
 * triggers do: in transactions that commit at once, or stay open while others commit.
 *
 * <p>Every case takes its own lower snapshot first, so entries of earlier cases (in a shared database) never show.
 */
public abstract class ChangeLogContract {

    private Setup setup;

    /** The setup hook: the implementation under test and how the kit writes its test data. Called once per test. */
    protected abstract Setup setup();

    /** What a change-log implementation gives the kit. */
    public interface Setup {
        ChangeLog changeLog();

        /** Read transactions, in which the kit takes snapshots and reads windows. */
        Transactions transactions();

        /** Writes {@code entries} in this order in one transaction and commits it; returns its transaction id. */
        long commit(NewEntry... entries);

        /**
         * Starts a transaction that has its transaction id at once (as a capture trigger's write gives it one) and
         * stays open, in flight in every snapshot taken, until {@link OpenTransaction#commit()}.
         */
        OpenTransaction begin();

        /** Stores the plan hash and the retention mark in the meta facts, as migrate and retention do. */
        void writeMeta(String planHash, PgSnapshot retentionMark);
    }

    /** A transaction of the setup that is still open. */
    public interface OpenTransaction {
        long txid();

        /** Writes {@code entries} in this order, each with the next seq of the log. */
        void write(NewEntry... entries);

        void commit();
    }

    /** An entry to write: what a capture trigger logs for one statement, bucket and table. */
    public record NewEntry(String bucket, String table, List<String> keys) {
        public NewEntry {
            keys = List.copyOf(keys);
        }
    }

    protected static NewEntry entry(String bucket, String table, String... keys) {
        return new NewEntry(bucket, table, List.of(keys));
    }

    @BeforeEach
    final void takeSetup() {
        setup = setup();
    }

    @Test
    void aWindowHoldsTheEntriesOfItsBucketsOnly() {
        PgSnapshot s0 = snapshot();
        long t1 = setup.commit(entry("b1", "notes", "k1"), entry("b2", "notes", "k2"));
        long t2 = setup.commit(entry("b3", "todos", "k3"), entry("b2", "todos", "k4"));
        PgSnapshot s1 = snapshot();

        assertThat(window(s0, s1, Set.of("b1", "b3"), null, 100))
                .extracting(ChangeLogContract::described)
                .containsExactly(
                        tuple(t1, "b1", "notes", 0, List.of("k1")), tuple(t2, "b3", "todos", 0, List.of("k3")));
        assertThat(window(s0, s1, Set.of("elsewhere"), null, 100)).isEmpty();
        assertThat(window(s0, s1, Set.of(), null, 100)).isEmpty();
    }

    @Test
    void anEntryVisibleInTheLowerSnapshotBelongsToAnEarlierWindow() {
        PgSnapshot s0 = snapshot();
        setup.commit(entry("b", "notes", "old"));
        PgSnapshot s1 = snapshot();
        setup.commit(entry("b", "notes", "new"));
        PgSnapshot s2 = snapshot();

        assertThat(keys(window(s1, s2, Set.of("b"), null, 100))).containsExactly("new");
        assertThat(keys(window(s0, s1, Set.of("b"), null, 100))).containsExactly("old");
        assertThat(keys(window(s0, s2, Set.of("b"), null, 100))).containsExactly("old", "new");
        assertThat(window(s2, s2, Set.of("b"), null, 100)).isEmpty();
    }

    @Test
    void aTransactionInFlightAtTheLowerSnapshotIsInTheWindowInWhichItCommits() {
        PgSnapshot s0 = snapshot();
        OpenTransaction late = setup.begin();
        late.write(entry("b", "notes", "late"));
        setup.commit(entry("b", "notes", "early"));
        PgSnapshot s1 = snapshot();
        late.commit();
        setup.commit(entry("b", "notes", "after"));
        PgSnapshot s2 = snapshot();

        // it began before s1 was taken, so only the in-flight list of s1 can bring it into the next window
        assertThat(s1.xip()).contains(late.txid());
        assertThat(late.txid()).isLessThan(s1.xmax());
        assertThat(keys(window(s0, s1, Set.of("b"), null, 100))).containsExactly("early");
        assertThat(keys(window(s1, s2, Set.of("b"), null, 100))).containsExactly("late", "after");
    }

    @Test
    void aTransactionInFlightAtTheUpperSnapshotIsLeftOutEvenOnceCommitted() {
        PgSnapshot s0 = snapshot();
        OpenTransaction inFlight = setup.begin();
        inFlight.write(entry("b", "notes", "in-flight"));
        setup.commit(entry("b", "notes", "visible"));
        PgSnapshot s1 = snapshot();
        inFlight.commit();

        // the reading transaction sees the entry committed; s1 did not
        assertThat(keys(window(s0, s1, Set.of("b"), null, 100))).containsExactly("visible");
    }

    @Test
    void aTransactionThatBeganAfterTheUpperSnapshotIsLeftOut() {
        PgSnapshot s0 = snapshot();
        setup.commit(entry("b", "notes", "visible"));
        PgSnapshot s1 = snapshot();
        long later = setup.commit(entry("b", "notes", "later"));

        assertThat(later).isGreaterThanOrEqualTo(s1.xmax());
        assertThat(keys(window(s0, s1, Set.of("b"), null, 100))).containsExactly("visible");
    }

    @Test
    void aWindowIsOrderedByTransactionThenSeqThenPositionInTheKeys() {
        PgSnapshot s0 = snapshot();
        OpenTransaction first = setup.begin();
        first.write(entry("b", "notes", "z", "x", "y"));
        long second = setup.commit(entry("b", "todos", "k2", "k1"), entry("b2", "notes", "k0"));
        first.write(entry("b2", "todos", "m"));
        first.commit();
        PgSnapshot s1 = snapshot();

        // neither commit order (second, first) nor seq order (z x y, k2 k1, k0, m) nor key order
        assertThat(first.txid()).isLessThan(second);
        assertThat(window(s0, s1, Set.of("b", "b2"), null, 100))
                .extracting(ChangeLogContract::described)
                .containsExactly(
                        tuple(first.txid(), "b", "notes", 0, List.of("z", "x", "y")),
                        tuple(first.txid(), "b2", "todos", 0, List.of("m")),
                        tuple(second, "b", "todos", 0, List.of("k2", "k1")),
                        tuple(second, "b2", "notes", 0, List.of("k0")));
    }

    @Test
    void pagesCutAnEntryAndResumeAtTheNextOrdinal() {
        PgSnapshot s0 = snapshot();
        long t1 = setup.commit(entry("b", "notes", "k1", "k2", "k3", "k4", "k5"));
        setup.commit(entry("other", "notes", "o1"));
        long t2 = setup.commit(entry("b", "todos", "k6", "k7"));
        PgSnapshot s1 = snapshot();

        List<List<Tuple>> pages = new ArrayList<>();
        for (List<Entry> page : pages(s0, s1, Set.of("b"), 2)) {
            pages.add(page.stream().map(ChangeLogContract::described).toList());
        }

        assertThat(pages)
                .containsExactly(
                        List.of(tuple(t1, "b", "notes", 0, List.of("k1", "k2"))),
                        List.of(tuple(t1, "b", "notes", 2, List.of("k3", "k4"))),
                        List.of(tuple(t1, "b", "notes", 4, List.of("k5")), tuple(t2, "b", "todos", 0, List.of("k6"))),
                        List.of(tuple(t2, "b", "todos", 1, List.of("k7"))));
    }

    @Test
    void aPageEndingWithAnEntryResumesAtTheNextEntrysFirstKey() {
        PgSnapshot s0 = snapshot();
        long t1 = setup.commit(entry("b", "notes", "k1", "k2", "k3"));
        long t2 = setup.commit(entry("b", "notes", "k4"), entry("b", "todos", "k5", "k6"));
        PgSnapshot s1 = snapshot();

        List<List<Entry>> pages = pages(s0, s1, Set.of("b"), 3);

        assertThat(pages).hasSize(2);
        assertThat(pages.get(0))
                .extracting(ChangeLogContract::described)
                .containsExactly(tuple(t1, "b", "notes", 0, List.of("k1", "k2", "k3")));
        assertThat(pages.get(1))
                .extracting(ChangeLogContract::described)
                .containsExactly(
                        tuple(t2, "b", "notes", 0, List.of("k4")), tuple(t2, "b", "todos", 0, List.of("k5", "k6")));
    }

    @Test
    void metaTellsTheIdentityThePlanHashAndTheRetentionMark() {
        Meta before =
                setup.transactions().inReadTransaction(tx -> setup.changeLog().meta(tx));
        PgSnapshot mark = PgSnapshot.of(5, 9, 7L, 5L);
        setup.writeMeta("plan-abc", mark);
        Meta after =
                setup.transactions().inReadTransaction(tx -> setup.changeLog().meta(tx));

        assertThat(before.identity()).isNotBlank();
        assertThat(after).isEqualTo(new Meta(before.identity(), "plan-abc", mark));
    }

    @Test
    void committedNamesEachTransactionAndBucketOfAWindowOnce() {
        PgSnapshot s0 = snapshot();
        OpenTransaction late = setup.begin();
        late.write(entry("b1", "notes", "late"));
        long t1 = setup.commit(entry("b1", "notes", "k1"), entry("b1", "todos", "k2"), entry("b2", "notes", "k3"));
        PgSnapshot s1 = snapshot();
        late.commit();
        long t2 = setup.commit(entry("grant:lists[\"u\"]", "list_members", "k4"));
        PgSnapshot s2 = snapshot();
        setup.commit(entry("b9", "notes", "after"));

        assertThat(committed(s0, s1, 100))
                .containsExactlyInAnyOrder(new ChangeLog.Commit(t1, "b1"), new ChangeLog.Commit(t1, "b2"));
        assertThat(committed(s1, s2, 100))
                .containsExactlyInAnyOrder(
                        new ChangeLog.Commit(late.txid(), "b1"), new ChangeLog.Commit(t2, "grant:lists[\"u\"]"));
        assertThat(committed(s0, s2, 2)).hasSize(2);
        assertThat(committed(s2, s2, 100)).isEmpty();
    }

    /** The poller's pairs of a window, read in a read transaction of its own. */
    protected final List<ChangeLog.Commit> committed(PgSnapshot sPrev, PgSnapshot sHi, int limit) {
        return setup.transactions().inReadTransaction(tx -> setup.changeLog().committed(tx, sPrev, sHi, limit));
    }

    /** The current snapshot, taken in a read transaction of its own. */
    protected final PgSnapshot snapshot() {
        return setup.transactions().inReadTransaction(tx -> setup.changeLog().currentSnapshot(tx));
    }

    /** One page of a window, read in a read transaction of its own. */
    protected final List<Entry> window(
            PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, Position after, int limitKeys) {
        return setup.transactions()
                .inReadTransaction(tx -> setup.changeLog().window(tx, sPrev, sHi, buckets, after, limitKeys));
    }

    /** Every non-empty page of a window, each read after the last key of the one before. */
    protected final List<List<Entry>> pages(PgSnapshot sPrev, PgSnapshot sHi, Set<String> buckets, int limitKeys) {
        List<List<Entry>> pages = new ArrayList<>();
        Position after = null;
        for (List<Entry> page = window(sPrev, sHi, buckets, null, limitKeys);
                !page.isEmpty();
                page = window(sPrev, sHi, buckets, after, limitKeys)) {
            assertThat(page.stream().mapToInt(e -> e.keys().size()).sum()).isLessThanOrEqualTo(limitKeys);
            pages.add(page);
            Entry last = page.getLast();
            after = new Position(
                    last.txid(), last.seq(), last.firstOrdinal() + last.keys().size() - 1);
            assertThat(pages).as("pages of a window that does not end").hasSizeLessThan(1_000);
        }
        return pages;
    }

    private static List<String> keys(List<Entry> entries) {
        return entries.stream().flatMap(e -> e.keys().stream()).toList();
    }

    private static Tuple described(Entry e) {
        return tuple(e.txid(), e.bucket(), e.table(), e.firstOrdinal(), e.keys());
    }
}
