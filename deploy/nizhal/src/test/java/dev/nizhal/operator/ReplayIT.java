package dev.nizhal.operator;

import static dev.nizhal.operator.OperatorFixture.engine;
import static dev.nizhal.operator.OperatorFixture.pull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.ReplayMutation;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The replay of a rejected mutation, on a real database, once the data it needed exists. */
@ExtendWith(PostgresExtension.class)
class ReplayIT {
    @Test
    void aRejectedMutationIsReplayedAfterItsDataExistsAsANewLinkedAuditedEntryThatClientsPull(TestDatabase db) {
        Nizhal nizhal = engine(db);
        UUID todo = UUID.randomUUID();
        String args = "{\"id\":\"" + todo + "\",\"listId\":7,\"title\":\"buy milk\"}";
        PushMutations.PushResponse pushed = nizhal.push(
                Actor.of("alice"),
                new PushMutations.PushRequest("c1", List.of(new PushMutations.MutationRequest(1, "addTodo", args))));
        assertThat(pushed.results().getFirst()).isInstanceOf(PushMutations.Rejected.class);

        InspectSyncState inspect = nizhal.inspect();
        List<JournalEntry> rejected = inspect.journal(new JournalQuery("c1", null, null, "rejected", null, null, 10));
        assertThat(rejected).singleElement().satisfies(e -> {
            assertThat(e.mutator()).isEqualTo("addTodo");
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.errorJson()).contains("NO_LIST");
            assertThat(e.argsJson()).contains("buy milk");
        });
        assertThat(inspect.journal(new JournalQuery(null, "bob", null, null, null, null, 10)))
                .isEmpty();
        assertThat(inspect.journal(new JournalQuery(null, null, "addTodo", "applied", null, null, 10)))
                .isEmpty();

        // replayed too early: refused again, recorded as its own entry, linked, history kept
        ReplayMutation.Replayed early = nizhal.replays().replay("operator-ann", "c1", 1);
        assertThat(early.replayClientId()).isEqualTo("replay:c1");
        assertThat(early.replayMutationId()).isEqualTo(1);
        assertThat(early.outcome()).isInstanceOf(PushMutations.Rejected.class);

        SeedDatabase.sql(
                db,
                "insert into lists values (7, 'groceries', 'alice'); insert into list_members values (7, 'alice');");
        ReplayMutation.Replayed replayed = nizhal.replays().replay("operator-ann", "c1", 1);
        assertThat(replayed.replayMutationId()).isEqualTo(2);
        assertThat(replayed.outcome()).isInstanceOf(PushMutations.Applied.class);

        assertThat(inspect.journalEntry("c1", 1)).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo("rejected"); // the original is never rewritten
            assertThat(e.replayedBy()).containsExactly("replay:c1/1 by operator-ann", "replay:c1/2 by operator-ann");
        });
        assertThat(inspect.journalEntry("replay:c1", 2)).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo("applied");
            assertThat(e.replayOf()).isEqualTo("c1/1");
            assertThat(e.actor()).isEqualTo("alice");
        });
        List<String> audit = db.jdbi()
                .withHandle(h -> h.createQuery(
                                "select operator || ' ' || action || ' ' || target || ' ' || outcome from nizhal.admin_audit order by seq")
                        .mapTo(String.class)
                        .list());
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).startsWith("operator-ann replay c1/1 as replay:c1/1 rejected MUTATION_REJECTED");
        assertThat(audit.get(1)).isEqualTo("operator-ann replay c1/1 as replay:c1/2 applied");

        // its effect reaches clients by pull, as any write does
        PullChanges.PullResponse seen = pull(nizhal, "alice", "c2", "sharedLists");
        assertThat(seen.changes())
                .filteredOn(c -> c.collection().equals("todos"))
                .extracting(PullChanges.Change::key)
                .containsExactly(todo.toString());

        assertThatThrownBy(() -> nizhal.replays().replay("operator-ann", "c1", 1))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST))
                .hasMessageContaining("already replayed successfully");
        String second = "{\"id\":\"" + UUID.randomUUID() + "\",\"listId\":7,\"title\":\"bread\"}";
        nizhal.push(
                Actor.of("alice"),
                new PushMutations.PushRequest("c1", List.of(new PushMutations.MutationRequest(2, "addTodo", second))));
        assertThatThrownBy(() -> nizhal.replays().replay("operator-ann", "c1", 2))
                .hasMessageContaining("was applied");
        // a replay is never replayed: the rejected replay:c1/1 applied at a second level would apply c1/1 twice
        assertThatThrownBy(() -> nizhal.replays().replay("operator-ann", "replay:c1", 1))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST))
                .hasMessageContaining("is itself a replay");
        assertThatThrownBy(() -> nizhal.replays().replay("operator-ann", "c1", 99))
                .hasMessageContaining("there is no journal entry c1/99");
        assertThatThrownBy(() -> nizhal.replays().replay(" ", "c1", 1)).hasMessageContaining("operator");
        assertThatThrownBy(() -> nizhal.push(
                        Actor.of("mallory"),
                        new PushMutations.PushRequest(
                                "replay:c1", List.of(new PushMutations.MutationRequest(3, "addTodo", args)))))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST));
    }
}
