package dev.nizhal.operator;

import static dev.nizhal.operator.OperatorFixture.engine;
import static dev.nizhal.operator.OperatorFixture.pull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.InspectSyncState.ClientQuery;
import dev.nizhal.ports.in.InspectSyncState.ClientSummary;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.PushMutations;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the admin console reads, on a real database: the pull observer's record of each client (written outside the
 * pull), the clients by lag, bucket search and pages, the overview and the rules.
 */
@ExtendWith(PostgresExtension.class)
class InspectSyncStateIT {
    @Test
    void clientsAreListedMostBehindFirstFromWhatTheirPullsLeftBehind(TestDatabase db) {
        Nizhal nizhal = engine(db);
        SeedDatabase.sql(
                db, "insert into notes(id, body, owner_id) values ('n1', 'one', 'alice'), ('n2', 'two', 'bob');");
        for (String actor : List.of("alice", "bob")) {
            nizhal.push(
                    Actor.of(actor),
                    new PushMutations.PushRequest(
                            actor + "-phone", List.of(new PushMutations.MutationRequest(1, "nizhal.skip", null))));
            pull(nizhal, actor, actor + "-phone", "myNotes");
        }
        nizhal.flushActivity();
        InspectSyncState inspect = nizhal.inspect();
        assertThat(inspect.clients(new ClientQuery(null, 0, 10)))
                .extracting(ClientSummary::clientId, ClientSummary::changesBehind)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("alice-phone", 0L),
                        org.assertj.core.groups.Tuple.tuple("bob-phone", 0L));

        // three new notes of bob's: his phone is three changes behind, alice's is not; bob's sorts first
        SeedDatabase.sql(
                db,
                "insert into notes(id, body, owner_id) values ('n3', 'a', 'bob'), ('n4', 'b', 'bob'), ('n5', 'c', 'bob');");
        pull(nizhal, "alice", "alice-phone", "myNotes");
        nizhal.flushActivity();
        List<ClientSummary> clients = inspect.clients(new ClientQuery(null, 0, 10));
        assertThat(clients).extracting(ClientSummary::clientId).containsExactly("bob-phone", "alice-phone");
        assertThat(clients.getFirst().changesBehind()).isEqualTo(3);
        assertThat(clients.getFirst().rules()).containsExactly("myNotes");
        assertThat(clients.getFirst().caughtUpAt()).isPresent();
        assertThat(inspect.clients(new ClientQuery("alice", 0, 10)))
                .extracting(ClientSummary::clientId)
                .containsExactly("alice-phone");

        assertThat(inspect.client("alice-phone")).hasValueSatisfying(detail -> {
            assertThat(detail.pulls()).hasSize(2);
            assertThat(detail.pushes()).extracting(JournalEntry::mutator).containsExactly("nizhal.skip");
            assertThat(detail.positions())
                    .singleElement()
                    .satisfies(p -> assertThat(p.buckets()).hasSize(1));
        });
        assertThat(inspect.client("nobody")).isEmpty();

        InspectSyncState.BucketSearch search = inspect.buckets("myNotes", Map.of("ownerId", "bob"));
        assertThat(search.buckets()).singleElement().satisfies(b -> {
            assertThat(b.holders()).isEqualTo(1);
            assertThat(b.changes()).isEqualTo(4);
            assertThat(b.collections()).containsExactly("notes");
        });
        String bobsBucket = search.buckets().getFirst().bucket();
        InspectSyncState.BucketDetail bucket = inspect.bucket(bobsBucket, "notes", null, 2);
        assertThat(bucket.rows()).extracting(r -> r.get("id")).containsExactly("n2", "n3");
        assertThat(inspect.bucket(bobsBucket, "notes", "n3", 10).rows())
                .extracting(r -> r.get("id"))
                .containsExactly("n4", "n5");
        // newest first; one log row holds a statement's keys of one bucket
        assertThat(bucket.changes())
                .extracting(InspectSyncState.ChangeSeen::keys)
                .containsExactly(List.of("n3", "n4", "n5"), List.of("n2"));
        assertThat(bucket.holders()).containsExactly("bob-phone");

        InspectSyncState.Overview overview = inspect.overview();
        assertThat(overview.databaseUp()).isTrue();
        assertThat(overview.migrationsCurrent()).isTrue();
        assertThat(overview.changeLogRows())
                .isEqualTo(db.jdbi()
                        .withHandle(h -> h.createQuery("select count(*) from nizhal.change_log")
                                .mapTo(Long.class)
                                .one()))
                .isPositive();
        assertThat(overview.pullsPerMinute()).isEqualTo(3);
        assertThat(overview.pushesPerMinute()).isEqualTo(2);

        InspectSyncState.RulesReport rules = inspect.rules();
        assertThat(rules.rules())
                .extracting(InspectSyncState.RuleText::name)
                .containsExactly("myNotes", "sharedLists", "announcements");
        assertThat(rules.triggers())
                .extracting(InspectSyncState.TriggerText::table)
                .contains("public.notes", "public.todos");
        assertThat(rules.triggers()).allSatisfy(t -> assertThat(t.definition()).contains("CREATE TRIGGER"));
    }
}
