package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nizhal.Nizhal;
import dev.nizhal.NizhalTestSeams;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A change the rule cannot serve (logged under one of its buckets, for a table it has no collection for) fails the
 * pull loudly: {@code INTERNAL}, with an incident that names the table and the bucket, instead of being skipped
 * without a word. The capture triggers never write such a row; the test writes it by hand.
 */
@ExtendWith(PostgresExtension.class)
class UnservableChangeIT {
    private record Incident(String correlationId, String what, Throwable failure) {}

    @Test
    void aChangeLoggedForATableOutsideTheRuleFailsThePullAsInternalWithAnIncident(TestDatabase db) {
        sql(db, SeedDatabase.SCHEMA);
        List<Incident> incidents = new CopyOnWriteArrayList<>();
        Nizhal nizhal = NizhalTestSeams.incidents(
                        Nizhal.builder()
                                .dataSource(db.dataSource())
                                .syncRules(Fixtures.seedRules())
                                .cursorKey(SeedDatabase.CURSOR_KEY),
                        (id, what, failure) -> incidents.add(new Incident(id, what, failure)))
                .build();
        nizhal.migrate();
        SyncTestClient alice = new SyncTestClient(nizhal, Actor.of("alice"), "c-alice", "myNotes");
        sql(db, "insert into notes(id, body, owner_id) values ('a1', 'hi', 'alice')");
        alice.sync();
        assertThat(alice.keys("notes")).containsExactly("a1");
        assertThat(alice.held()).containsExactly("myNotes[\"alice\"]");
        // a real row of table lists (rule sharedLists), then the same table and key logged under alice's myNotes bucket
        sql(
                db,
                "insert into lists values (7, 'groceries', 'alice');"
                        + " insert into nizhal.change_log (bucket, tbl, pks)"
                        + " select 'myNotes[\"alice\"]', tbl, pks from nizhal.change_log where bucket like 'sharedLists%'"
                        + " and tbl like '%lists' and tbl not like '%list_members' limit 1");
        int forged = db.jdbi()
                .withHandle(h -> h.createQuery("select count(*) from nizhal.change_log"
                                + " where bucket = 'myNotes[\"alice\"]' and tbl like '%lists'")
                        .mapTo(Integer.class)
                        .one());
        assertThat(forged).as("the forged change-log row").isEqualTo(1);

        SyncException failure = catchThrowableOfType(SyncException.class, () -> alice.pull(1000));

        assertThat(failure).as("the pull must fail, not skip the change").isNotNull();
        assertThat(failure.code()).isEqualTo(SyncErrorCode.INTERNAL);
        assertThat(incidents).singleElement().satisfies(incident -> {
            assertThat(failure.getMessage()).contains(incident.correlationId());
            assertThat(incident.what()).contains("myNotes").contains("c-alice");
            assertThat(incident.failure())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("lists")
                    .hasMessageContaining("myNotes[\"alice\"]")
                    .hasMessageContaining("rule 'myNotes' has no collection");
        });
    }
}
