package dev.nizhal.ports.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.mutator.Isolation;
import dev.nizhal.ports.out.MutationJournal;
import dev.nizhal.ports.out.MutationJournal.ClientRow;
import dev.nizhal.ports.out.MutationJournal.Entry;
import dev.nizhal.ports.out.Transactions;
import dev.nizhal.ports.out.Tx;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract kit of {@link MutationJournal}: client binding, recorded outcomes, the last mutation id. The
 * concurrency cases (two instances, locks held across transactions) are the implementation's own tests. An
 * implementation's test extends this class and supplies the setup hook.
 */
public abstract class MutationJournalContract {

    /** The setup hook: the implementation under test. */
    protected abstract Setup setup();

    /** What a journal implementation gives the kit. */
    public interface Setup {
        MutationJournal journal();

        Transactions transactions();

        /** A snapshot of {@code tx} (one that sees what committed before it began). */
        PgSnapshot snapshot(Tx tx);
    }

    private static String client() {
        return "client-" + UUID.randomUUID();
    }

    private static Entry applied(String client, long id) {
        return new Entry(
                client, id, "addNote", "alice", "{\"body\":\"x\"}", "hash-" + id, "applied", "{\"serverId\":1}", null);
    }

    private <T> T write(Transactions.Work<T> work) {
        return setup().transactions().inWriteTransaction(Isolation.READ_COMMITTED, work);
    }

    @Test
    void aNewClientIsBoundToTheFirstActorThatUsesItAndStaysBound() {
        MutationJournal journal = setup().journal();
        String client = client();

        ClientRow first = write(tx -> journal.lockClient(tx, client, "alice"));
        ClientRow second = write(tx -> journal.lockClient(tx, client, "mallory"));

        assertThat(first).isEqualTo(new ClientRow(client, "alice", 0));
        assertThat(second.actorId()).isEqualTo("alice");
        java.util.Optional<ClientRow> bound =
                setup().transactions().inReadTransaction(tx -> journal.client(tx, client));
        assertThat(bound).contains(first);
    }

    @Test
    void aRecordedOutcomeIsFoundAndAdvancesTheClientsLastMutationId() {
        MutationJournal journal = setup().journal();
        String client = client();

        write(tx -> {
            journal.lockClient(tx, client, "alice");
            journal.record(tx, applied(client, 1));
            return null;
        });

        Entry found = write(tx -> journal.find(tx, client, 1)).orElseThrow();
        assertThat(found.name()).isEqualTo("addNote");
        assertThat(found.argsHash()).isEqualTo("hash-1");
        assertThat(found.status()).isEqualTo("applied");
        assertThat(found.resultJson()).isEqualToIgnoringWhitespace("{\"serverId\":1}");
        assertThat(found.errorJson()).isNull();
        ClientRow after = write(tx -> journal.lockClient(tx, client, "alice"));
        java.util.Optional<Entry> absent = write(tx -> journal.find(tx, client, 2));
        assertThat(after.lastMutationId()).isOne();
        assertThat(absent).isEmpty();
    }

    /** A push group's entries, recorded at once: each found as recorded, the last id at the highest of them. */
    @Test
    void severalOutcomesRecordedAtOnceAreEachFoundAndAdvanceTheLastIdToTheHighest() {
        MutationJournal journal = setup().journal();
        String client = client();
        Entry rejected = new Entry(
                client,
                2,
                "editNote",
                "alice",
                null,
                "hash-2",
                "rejected",
                null,
                "{\"code\":\"MUTATION_REJECTED\",\"message\":\"locked\"}");

        write(tx -> {
            journal.lockClient(tx, client, "alice");
            journal.recordAll(tx, java.util.List.of(applied(client, 1), rejected, applied(client, 3)));
            return null;
        });

        java.util.Optional<Entry> first = write(tx -> journal.find(tx, client, 1));
        java.util.Optional<Entry> second = write(tx -> journal.find(tx, client, 2));
        java.util.Optional<Entry> third = write(tx -> journal.find(tx, client, 3));
        ClientRow after = write(tx -> journal.lockClient(tx, client, "alice"));
        assertThat(first).hasValueSatisfying(entry -> {
            assertThat(entry.status()).isEqualTo("applied");
            assertThat(entry.resultJson()).isEqualToIgnoringWhitespace("{\"serverId\":1}");
        });
        assertThat(second).hasValueSatisfying(entry -> {
            assertThat(entry.name()).isEqualTo("editNote");
            assertThat(entry.argsJson()).isNull();
            assertThat(entry.status()).isEqualTo("rejected");
            assertThat(entry.resultJson()).isNull();
            assertThat(entry.errorJson()).contains("MUTATION_REJECTED");
        });
        assertThat(third)
                .hasValueSatisfying(entry -> assertThat(entry.argsHash()).isEqualTo("hash-3"));
        assertThat(after.lastMutationId()).isEqualTo(3);
    }

    @Test
    void aRejectedOutcomeKeepsItsError() {
        MutationJournal journal = setup().journal();
        String client = client();
        Entry rejected = new Entry(
                client, 1, "editNote", "alice", null, "h", "rejected", null, "{\"code\":\"MUTATION_REJECTED\"}");

        write(tx -> {
            journal.lockClient(tx, client, "alice");
            journal.record(tx, rejected);
            return null;
        });

        Entry found = write(tx -> journal.find(tx, client, 1)).orElseThrow();
        assertThat(found.status()).isEqualTo("rejected");
        assertThat(found.argsJson()).isNull();
        assertThat(found.errorJson()).contains("MUTATION_REJECTED");
    }

    @Test
    void theLastMutationIdCountsWhatTheSnapshotSees() {
        MutationJournal journal = setup().journal();
        String client = client();
        write(tx -> {
            journal.lockClient(tx, client, "alice");
            journal.record(tx, applied(client, 1));
            journal.record(tx, applied(client, 2));
            return null;
        });

        long last = setup().transactions()
                .inReadTransaction(tx -> journal.lastMutationId(tx, client, setup().snapshot(tx)));

        long none = setup().transactions()
                .inReadTransaction(tx -> journal.lastMutationId(tx, client(), setup().snapshot(tx)));
        assertThat(last).isEqualTo(2);
        assertThat(none).isZero();
    }

    @Test
    void lockingForAPushBindsANewClientAndReadsTheEntryOfAReplayedIdOnly() {
        MutationJournal journal = setup().journal();
        String client = client();

        MutationJournal.LockedClient fresh = write(tx -> journal.lockClient(tx, client, "alice", 1));
        write(tx -> {
            journal.lockClient(tx, client, "alice", 1);
            journal.record(tx, applied(client, 1));
            return null;
        });
        MutationJournal.LockedClient replay = write(tx -> journal.lockClient(tx, client, "alice", 1));
        MutationJournal.LockedClient next = write(tx -> journal.lockClient(tx, client, "alice", 2));
        MutationJournal.LockedClient other = write(tx -> journal.lockClient(tx, client, "mallory", 1));

        assertThat(fresh.row()).isEqualTo(new ClientRow(client, "alice", 0));
        assertThat(fresh.recorded()).isEmpty();
        assertThat(replay.row()).isEqualTo(new ClientRow(client, "alice", 1));
        assertThat(replay.recorded()).hasValueSatisfying(entry -> {
            assertThat(entry.mutationId()).isOne();
            assertThat(entry.argsHash()).isEqualTo("hash-1");
            assertThat(entry.status()).isEqualTo("applied");
        });
        assertThat(next.row().lastMutationId()).isOne();
        assertThat(next.recorded()).isEmpty();
        assertThat(other.row().actorId()).isEqualTo("alice");
    }

    @Test
    void anOutcomeIsRecordedOnce() {
        MutationJournal journal = setup().journal();
        String client = client();
        write(tx -> {
            journal.lockClient(tx, client, "alice");
            journal.record(tx, applied(client, 1));
            return null;
        });

        assertThatThrownBy(() -> write(tx -> {
                    journal.record(tx, applied(client, 1));
                    return null;
                }))
                .isInstanceOf(RuntimeException.class);
    }
}
