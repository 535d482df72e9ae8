package dev.nizhal.push;

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
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.in.PushMutations.Rejected;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A push group's bodies run without savepoints of their own while none fails (PushMutationsService's optimistic
 * groups), on a database without deferrable constraints (so no body's end checks them): the group runs again with
 * a savepoint per body when one fails or changes grants, and the outcomes are those of that mode (U1, U2, U4). The
 * last test adds a deferrable constraint while the engine runs.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OptimisticPushGroupIT {
    private static final Actor ALICE = Actor.of("alice");
    private static final String TODO = "00000000-0000-0000-0000-000000000042";
    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, PushFixture.SCHEMA_WITHOUT_DEFERRABLE);
        PushFixture.aliceListWithTodo(db, TODO);
        nizhal = PushFixture.engine(db.dataSource(), null);
    }

    private static PushResponse pushAs(String clientId, MutationRequest... mutations) {
        return nizhal.push(ALICE, push(clientId, mutations));
    }

    private static long position() {
        return count(db, "select position from todos where id = '" + TODO + "'");
    }

    private static MutationRequest increment(long id) {
        return m(id, "increment", "{\"id\": \"" + TODO + "\"}");
    }

    @Test
    @Order(1)
    void aGroupWhoseBodiesAllApplyWritesThemInItsTopTransactionWithoutASubtransactionPerBody() {
        PushResponse response = pushAs(
                "c-top",
                m(1, "addNote", "{\"id\": \"top-1\", \"body\": \"one\"}"),
                m(2, "addNote", "{\"id\": \"top-2\", \"body\": \"two\"}"),
                m(3, "addNote", "{\"id\": \"top-3\", \"body\": \"three\"}"));

        assertThat(response.results()).allMatch(Applied.class::isInstance);
        // a body in a savepoint writes with its subtransaction's xid; without one, with the transaction's own
        assertThat(count(
                        db,
                        "select count(*) from notes as n join nizhal.mutation_journal as j"
                                + " on j.client_id = 'c-top' and n.id = 'top-' || j.mutation_id"
                                + " where n.xmin::text = (j.txid::text::bigint % 4294967296)::text"))
                .isEqualTo(3);
        assertThat(count(db, "select count(distinct txid) from nizhal.mutation_journal where client_id = 'c-top'"))
                .isOne();
    }

    @Test
    @Order(2)
    void aRejectionInTheMiddleOfAGroupIsRecordedAndTheOthersApplyExactlyOnce() {
        sql(db, "insert into notes(id, body, owner_id) values ('mid-locked', 'x', 'alice')");
        long before = position();
        long logged = count(db, "select count(*) from nizhal.change_log where '" + TODO + "' = any(pks)");

        PushResponse response = pushAs(
                "c-mid",
                increment(1),
                increment(2),
                m(3, "editNote", "{\"id\": \"mid-locked\", \"body\": \"locked now\"}"),
                increment(4),
                m(5, "orphanless", "{}"),
                increment(6));

        List<MutationOutcome> results = response.results();
        for (int i : new int[] {0, 1, 3, 5}) {
            assertThat(results.get(i)).isEqualTo(new Applied(i + 1, null, List.of("sharedLists[7]"), false));
        }
        assertThat(results.get(2)).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATION_REJECTED);
            assertThat(r.details()).containsEntry("reason", "LOCKED");
        });
        assertThat(results.get(4))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.UNKNOWN_MUTATOR));
        // each increment ran once in what committed: the optimistic run that met the rejection left nothing
        assertThat(position()).isEqualTo(before + 4);
        assertThat(count(db, "select count(*) from nizhal.change_log where '" + TODO + "' = any(pks)"))
                .isEqualTo(logged + 4);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-mid'"))
                .isEqualTo(6);
        assertThat(count(
                        db,
                        "select count(*) from nizhal.mutation_journal where client_id = 'c-mid'"
                                + " and status = 'rejected' and mutation_id in (3, 5)"))
                .isEqualTo(2);
        assertThat(count(db, "select last_mutation_id from nizhal.clients where client_id = 'c-mid'"))
                .isEqualTo(6);
        assertThat(count(db, "select count(*) from notes where body = 'locked now'"))
                .isZero();
    }

    @Test
    @Order(3)
    void aReplayedGroupAnswersItsRecordedOutcomesAndRunsNoBodyAgain() {
        sql(db, "insert into notes(id, body, owner_id) values ('rp-locked', 'x', 'alice')");
        MutationRequest[] group = {
            increment(1), m(2, "editNote", "{\"id\": \"rp-locked\", \"body\": \"locked now\"}"), increment(3)
        };
        PushResponse first = pushAs("c-replay", group);
        long after = position();

        PushResponse again = pushAs("c-replay", group);

        assertThat(again.results()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            MutationOutcome original = first.results().get(i);
            MutationOutcome replayed = again.results().get(i);
            if (original instanceof Applied a) {
                assertThat(replayed).isEqualTo(new Applied(a.id(), a.serverId(), a.affectedBuckets(), true));
            } else {
                Rejected r = (Rejected) original;
                assertThat(replayed).isEqualTo(new Rejected(r.id(), r.code(), r.message(), r.details(), true));
            }
        }
        assertThat(position()).isEqualTo(after);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-replay'"))
                .isEqualTo(3);
    }

    /**
     * The affected buckets of a body are the touched ones the actor holds after that body: a later body of the same
     * group that revokes a grant must not take the bucket out of an earlier one's answer (an optimistic group reads
     * the grants once, after its last body, so a grant change sends the group to a savepoint per body).
     */
    @Test
    @Order(4)
    void aBodyThatChangesGrantsLeavesTheEarlierBodiesAffectedBucketsAsTheirOwnEndSawThem() {
        PushResponse response = pushAs("c-grants", increment(1), m(2, "leaveList", "{\"list\": 7}"), increment(3));

        assertThat(response.results())
                .containsExactly(
                        new Applied(1, null, List.of("sharedLists[7]"), false),
                        new Applied(2, null, List.of(), false),
                        new Applied(3, null, List.of(), false));
        sql(db, "insert into list_members values (7, 'alice')");
    }

    /**
     * The engine read the catalog (no deferrable constraint) before its first push; a deferred foreign key added
     * since fails the first commit that violates it, and that push is retried with every body's end checked: the
     * violating mutation alone is rejected.
     */
    @Test
    @Order(5)
    void aDeferrableConstraintAddedWhileTheEngineRunsStillRejectsOnlyItsOwnMutation() {
        sql(
                db,
                "alter table children add foreign key (parent_id) references parents(id)"
                        + " deferrable initially deferred");

        PushResponse response = pushAs(
                "c-added",
                m(1, "addNote", "{\"id\": \"ad-1\", \"body\": \"one\"}"),
                m(2, "orphan", "{\"id\": \"ad-2\"}"),
                m(3, "adopt", "{\"id\": \"ad-3\"}"),
                m(4, "addNote", "{\"id\": \"ad-4\", \"body\": \"four\"}"));

        assertThat(response.results().get(0)).isInstanceOf(Applied.class);
        assertThat(response.results().get(1))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED));
        assertThat(response.results().get(2)).isInstanceOf(Applied.class);
        assertThat(response.results().get(3)).isInstanceOf(Applied.class);
        assertThat(count(db, "select count(*) from notes where id in ('ad-1', 'ad-4')"))
                .isEqualTo(2);
        assertThat(count(db, "select count(*) from children where id = 'ad-2'")).isZero();
        assertThat(count(db, "select count(*) from children where id = 'ad-3'")).isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-added'"))
                .isEqualTo(4);
    }
}
