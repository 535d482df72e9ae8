package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.HOOKS;
import static dev.nizhal.push.PushFixture.count;
import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static dev.nizhal.push.PushFixture.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.in.PushMutations.Rejected;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Optimistic push groups on a database that had no deferrable constraint when the engine read the catalog: a body
 * that swallows its own SQL error, and a deferred constraint trigger (raising an error of its own SQLSTATE, not of
 * class 23) added while the engine runs. The reference is the savepoint mode: the failing mutation alone is
 * recorded as MUTATOR_FAILED, the others apply once, and the client is never stuck.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OptimisticPushReviewIT {
    private static final Actor ALICE = Actor.of("alice");
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, PushFixture.SCHEMA_WITHOUT_DEFERRABLE);
        nizhal = PushFixture.engine(db.dataSource(), null);
    }

    @Test
    @Order(1)
    void aBodyThatSwallowsItsOwnSqlErrorIsRecordedAsFailedAndTheOthersApplyOnce() {
        HOOKS.put("sw-2", h -> {
            try {
                h.execute("insert into parents values ('dup'), ('dup')");
            } catch (RuntimeException swallowed) {
                // the transaction is aborted now; the body returns normally
            }
        });
        try {
            PushResponse response = nizhal.push(
                    ALICE,
                    push(
                            "c-swallow",
                            m(1, "addNote", "{\"id\": \"sw-1\", \"body\": \"one\"}"),
                            m(2, "hook", "{\"id\": \"sw-2\"}"),
                            m(3, "addNote", "{\"id\": \"sw-3\", \"body\": \"three\"}")));

            assertThat(response.results().get(0)).isInstanceOf(Applied.class);
            assertThat(response.results().get(1))
                    .isInstanceOfSatisfying(
                            Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED));
            assertThat(response.results().get(2)).isInstanceOf(Applied.class);
            assertThat(count(db, "select count(*) from notes where id in ('sw-1', 'sw-2', 'sw-3')"))
                    .isEqualTo(2);
            assertThat(count(db, "select last_mutation_id from nizhal.clients where client_id = 'c-swallow'"))
                    .isEqualTo(3);
        } finally {
            HOOKS.remove("sw-2");
        }
    }

    /**
     * A deferred constraint trigger is the usual way to check an invariant at commit, and it raises with PL/pgSQL's
     * default SQLSTATE P0001. Added while the engine runs (after its catalog read), the body's end does not check it;
     * its failure at COMMIT is not of class 23, so it is neither retried with checks nor recorded: the push fails, and
     * so does every retry of it, until the engine restarts.
     */
    @Test
    @Order(2)
    void aDeferredConstraintTriggerAddedWhileTheEngineRunsRejectsOnlyItsOwnMutation() {
        db.jdbi().useHandle(h -> {
            h.execute("create function no_orphans() returns trigger language plpgsql as $$ begin"
                    + " if not exists (select from parents where id = new.parent_id) then"
                    + " raise exception 'child % has no parent', new.id; end if; return null; end $$");
            h.execute("create constraint trigger no_orphans after insert on children"
                    + " deferrable initially deferred for each row execute function no_orphans()");
        });

        java.util.List<String> failures = new java.util.ArrayList<>();
        PushResponse response = null;
        for (int retry = 0; retry < 2 && response == null; retry++) {
            try {
                response = nizhal.push(
                        ALICE,
                        push(
                                "c-trigger",
                                m(1, "addNote", "{\"id\": \"tr-1\", \"body\": \"one\"}"),
                                m(2, "orphan", "{\"id\": \"tr-2\"}"),
                                m(3, "adopt", "{\"id\": \"tr-3\"}")));
            } catch (RuntimeException e) {
                failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }

        assertThat(failures).as("pushes that failed as a whole").isEmpty();
        assertThat(response.results().get(0)).isInstanceOf(Applied.class);
        assertThat(response.results().get(1))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED));
        assertThat(response.results().get(2)).isInstanceOf(Applied.class);
        assertThat(count(db, "select count(*) from children where id = 'tr-2'")).isZero();
        assertThat(count(db, "select count(*) from children where id = 'tr-3'")).isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-trigger'"))
                .isEqualTo(3);
    }
}
