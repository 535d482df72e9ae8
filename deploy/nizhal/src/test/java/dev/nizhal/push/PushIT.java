package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.count;
import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static dev.nizhal.push.PushFixture.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.in.PushMutations.Rejected;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The push protocol's rules for one engine: order, replays, outcomes, limits (PROTOCOL.md, U4). */
@ExtendWith(PostgresExtension.class)
class PushIT {
    private static TestDatabase db;
    private static Nizhal nizhal;
    private static final Actor ALICE = Actor.of("alice");

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, PushFixture.SCHEMA);
        nizhal = PushFixture.engine(db.dataSource(), null);
    }

    private static PushResponse pushAs(Actor actor, String clientId, MutationRequest... mutations) {
        return nizhal.push(actor, push(clientId, mutations));
    }

    @Test
    void anAppliedMutationCommitsItsRowJournalEntryAndChangeLogRowAndNamesTheActorsBuckets() {
        PushResponse response = pushAs(ALICE, "c-apply", m(1, "addNote", "{\"id\": \"a1\", \"body\": \"hello\"}"));

        assertThat(response.results()).containsExactly(new Applied(1, "a1", List.of("myNotes[\"alice\"]"), false));
        assertThat(count(db, "select count(*) from notes where id = 'a1' and owner_id = 'alice'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-apply'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.change_log where 'a1' = any(pks)"))
                .isOne();
    }

    @Test
    void affectedBucketsNameOnlyBucketsGrantedToThePushingActor() {
        PushResponse response = pushAs(ALICE, "c-gift", m(1, "giveNote", "{\"id\": \"gift-1\"}"));

        assertThat(response.results()).containsExactly(new Applied(1, "gift-1", List.of(), false));
        assertThat(count(
                        db,
                        "select count(*) from nizhal.change_log"
                                + " where bucket = 'myNotes[\"someone-else\"]' and 'gift-1' = any(pks)"))
                .isOne();
    }

    @Test
    void rejectedInvalidUnknownAndFailingMutationsAreRecordedAndTheNextMutationApplies() {
        sql(db, "insert into notes(id, body, owner_id) values ('locked-note', 'x', 'alice')");
        PushResponse response = pushAs(
                ALICE,
                "c-u4",
                m(1, "editNote", "{\"id\": \"locked-note\", \"body\": \"locked now\"}"),
                m(2, "addNote", "{\"id\": \"n-invalid\"}"),
                m(3, "noSuchMutator", "{}"),
                m(4, "addNote", "{\"id\": \"locked-note\", \"body\": \"duplicate key\"}"),
                m(5, "orphan", "{\"id\": \"child-1\"}"),
                m(6, "nizhal.skip", null),
                m(7, "addNote", "{\"id\": \"after\", \"body\": \"applies\"}"));

        List<MutationOutcome> results = response.results();
        assertThat(results.get(0)).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATION_REJECTED);
            assertThat(r.details()).containsEntry("reason", "LOCKED");
        });
        assertThat(results.get(1)).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.code()).isEqualTo(SyncErrorCode.INVALID_ARGS);
            assertThat(r.details().toString()).contains("body");
        });
        assertThat(results.get(2))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.UNKNOWN_MUTATOR));
        for (int i : new int[] {3, 4}) {
            assertThat(results.get(i)).isInstanceOfSatisfying(Rejected.class, r -> {
                assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED);
                assertThat(r.message()).doesNotContainIgnoringCase("insert").doesNotContain("notes", "children");
                assertThat(r.details()).containsKey("correlationId");
            });
        }
        assertThat(results.get(5))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATION_SKIPPED));
        assertThat(results.get(6)).isEqualTo(new Applied(7, "after", List.of("myNotes[\"alice\"]"), false));
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u4'"))
                .isEqualTo(7);
        // none of the rejected bodies' writes stayed
        assertThat(count(db, "select count(*) from notes where body like 'locked now%' or body = 'duplicate key'"))
                .isZero();
        assertThat(count(db, "select count(*) from children where id = 'child-1'"))
                .isZero();
    }

    /**
     * Consecutive READ COMMITTED mutations of a push share one transaction (one commit), each in its own savepoint:
     * each names the buckets its own body logged, not those of the mutations before it in that transaction.
     */
    @Test
    void aBatchSharesOneTransactionAndEachMutationNamesOnlyTheBucketsItLogged() {
        sql(db, "insert into notes(id, body, owner_id) values ('g-locked', 'x', 'alice')");
        PushResponse response = pushAs(
                ALICE,
                "c-group",
                m(1, "addNote", "{\"id\": \"g-1\", \"body\": \"one\"}"),
                m(2, "giveNote", "{\"id\": \"g-2\"}"),
                m(3, "editNote", "{\"id\": \"g-locked\", \"body\": \"locked now\"}"),
                m(4, "addNote", "{\"id\": \"g-4\", \"body\": \"four\"}"));

        assertThat(response.results().get(0)).isEqualTo(new Applied(1, "g-1", List.of("myNotes[\"alice\"]"), false));
        // the transaction had logged alice's bucket (mutation 1) before this body ran: not this mutation's
        assertThat(response.results().get(1)).isEqualTo(new Applied(2, "g-2", List.of(), false));
        assertThat(response.results().get(2)).isInstanceOf(Rejected.class);
        assertThat(response.results().get(3)).isEqualTo(new Applied(4, "g-4", List.of("myNotes[\"alice\"]"), false));
        assertThat(count(db, "select count(distinct txid) from nizhal.mutation_journal where client_id = 'c-group'"))
                .isOne();
        // a rejected body's savepoint is released after its rollback: the entries after it are not written in a
        // nested subtransaction (their xmin would be its restarted subtransaction's id)
        assertThat(count(
                        db,
                        "select count(distinct xmin::text) from nizhal.mutation_journal where client_id = 'c-group'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-group'"))
                .isEqualTo(4);
        assertThat(count(db, "select count(*) from notes where id in ('g-1', 'g-2', 'g-4')"))
                .isEqualTo(3);
        assertThat(count(db, "select count(*) from notes where body = 'locked now'"))
                .isZero();
    }

    /**
     * An initially deferred constraint stays deferred for every body of a group: the check at the end of a body
     * before (SET CONSTRAINTS ALL IMMEDIATE) must not leave it immediate for the bodies after it.
     */
    @Test
    void aDeferredConstraintStaysDeferredForTheLaterBodiesOfAGroup() {
        PushResponse response = pushAs(
                ALICE,
                "c-deferred",
                m(1, "addNote", "{\"id\": \"d-1\", \"body\": \"one\"}"),
                m(2, "adopt", "{\"id\": \"d-2\"}"),
                m(3, "orphan", "{\"id\": \"d-3\"}"),
                m(4, "adopt", "{\"id\": \"d-4\"}"));

        assertThat(response.results().get(0)).isInstanceOf(Applied.class);
        assertThat(response.results().get(1)).isInstanceOf(Applied.class);
        // the orphan's missing parent is still found at the end of its own body
        assertThat(response.results().get(2))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.code()).isEqualTo(SyncErrorCode.MUTATOR_FAILED));
        assertThat(response.results().get(3)).isInstanceOf(Applied.class);
        assertThat(count(db, "select count(*) from children where id in ('d-2', 'd-4')"))
                .isEqualTo(2);
        assertThat(count(db, "select count(*) from children where id = 'd-3'")).isZero();
    }

    /** A mutation of another isolation has a transaction of its own, between the groups before and after it. */
    @Test
    void aMutationOfAnotherIsolationRunsInATransactionOfItsOwn() {
        PushResponse response = pushAs(
                ALICE,
                "c-mixed",
                m(1, "addNote", "{\"id\": \"mx-1\", \"body\": \"one\"}"),
                m(2, "addNote", "{\"id\": \"mx-2\", \"body\": \"two\"}"),
                m(3, "mark", "{\"counter\": \"mx-3\"}"),
                m(4, "addNote", "{\"id\": \"mx-4\", \"body\": \"four\"}"));

        assertThat(response.results()).allMatch(Applied.class::isInstance);
        assertThat(count(db, "select count(distinct txid) from nizhal.mutation_journal where client_id = 'c-mixed'"))
                .isEqualTo(3);
        assertThat(count(
                        db,
                        "select count(distinct txid) from nizhal.mutation_journal"
                                + " where client_id = 'c-mixed' and mutation_id in (1, 2)"))
                .isOne();
    }

    @Test
    void replaysReturnTheFirstOutcomeAndAReplayWithOtherArgsConflicts() {
        PushResponse first = pushAs(
                ALICE, "c-replay", m(1, "addNote", "{\"id\": \"r1\", \"body\": \"one\"}"), m(2, "noSuchMutator", "{}"));

        PushResponse again = pushAs(
                ALICE,
                "c-replay",
                m(1, "addNote", "{ \"body\": \"one\", \"id\": \"r1\" }"),
                m(2, "noSuchMutator", "{}"),
                m(3, "addNote", "{\"id\": \"r3\", \"body\": \"three\"}"));

        assertThat(again.results().get(0)).isEqualTo(new Applied(1, "r1", List.of("myNotes[\"alice\"]"), true));
        assertThat(again.results().get(1)).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.replayed()).isTrue();
            assertThat(r.code()).isEqualTo(((Rejected) first.results().get(1)).code());
        });
        assertThat(again.results().get(2))
                .isInstanceOfSatisfying(
                        Applied.class, a -> assertThat(a.replayed()).isFalse());
        assertThat(count(db, "select count(*) from notes where id = 'r1'")).isOne();
        assertThatThrownBy(() -> pushAs(ALICE, "c-replay", m(1, "addNote", "{\"id\": \"r1\", \"body\": \"other\"}")))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MUTATION_CONFLICT));
    }

    @Test
    void aFirstIdAboveTheExpectedOneIsOutOfOrderWithTheExpectedId() {
        pushAs(ALICE, "c-order", m(1, "addNote", "{\"id\": \"o1\", \"body\": \"x\"}"));

        assertThatThrownBy(() -> pushAs(ALICE, "c-order", m(3, "addNote", "{\"id\": \"o3\", \"body\": \"x\"}")))
                .isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.code()).isEqualTo(SyncErrorCode.MUTATION_ORDER);
                    assertThat(e.details()).containsEntry("expected", 2L);
                });
        assertThat(count(db, "select count(*) from notes where id = 'o3'")).isZero();
    }

    @Test
    void anotherActorUsingTheSameClientIdIsRefusedOnPushAndPull() {
        pushAs(ALICE, "c-bound", m(1, "addNote", "{\"id\": \"b1\", \"body\": \"x\"}"));
        Actor mallory = Actor.of("mallory");

        assertThatThrownBy(() -> pushAs(mallory, "c-bound", m(2, "addNote", "{\"id\": \"b2\", \"body\": \"x\"}")))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.CLIENT_ACTOR_MISMATCH));
        assertThatThrownBy(() -> nizhal.pull(mallory, new PullRequest("myNotes", "c-bound", null, null, List.of(), 10)))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.CLIENT_ACTOR_MISMATCH));
    }

    @Test
    void malformedBatchesAreRefusedWholeAndLeaveNoJournalEntry() {
        List<MutationRequest> tooMany = new ArrayList<>();
        for (int i = 1; i <= 101; i++) {
            tooMany.add(m(i, "addNote", "{\"body\": \"x\"}"));
        }
        List<Runnable> malformed = List.of(
                () -> nizhal.push(ALICE, new dev.nizhal.ports.in.PushMutations.PushRequest("c-bad", tooMany)),
                () -> pushAs(ALICE, "c-bad", m(1L << 53, "addNote", "{\"body\": \"x\"}")),
                () -> pushAs(ALICE, "c-bad", m(0, "addNote", "{\"body\": \"x\"}")),
                () -> pushAs(ALICE, "c-bad", m(1, "addNote", "{\"body\": \"x\"}"), m(3, "addNote", "{}")),
                () -> pushAs(ALICE, "c-bad", m(1, "addNote", "{\"body\": \"x\"}"), m(2, "addNote", "{\"body\": ")),
                () -> pushAs(ALICE, "", m(1, "addNote", "{}")));

        for (Runnable push : malformed) {
            assertThatThrownBy(push::run)
                    .isInstanceOfSatisfying(
                            SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST));
        }
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-bad'"))
                .isZero();
    }

    @Test
    void theContractPublishesEachMutatorsArgsAsJsonSchema() {
        var contract = nizhal.contract();

        assertThat(contract.protocol()).isEqualTo(1);
        assertThat(contract.syncRules()).containsKeys("myNotes", "sharedLists", "announcements");
        assertThat(contract.mutatorArgsSchemas().get("addNote"))
                .contains("\"body\"", "\"maxLength\":10000", "\"required\"");
    }

    @Test
    void aDrainedPullReportsTheLastMutationIdWhoseTransactionItSees() {
        pushAs(
                ALICE,
                "c-last",
                m(1, "addNote", "{\"id\": \"l1\", \"body\": \"x\"}"),
                m(2, "addNote", "{\"id\": \"l2\", \"body\": \"x\"}"));

        var response = nizhal.pull(ALICE, new PullRequest("myNotes", "c-last", null, null, List.of(), 1000));

        assertThat(response.hasMore()).isFalse();
        assertThat(response.lastMutationId()).isEqualTo(2L);
    }
}
