package dev.nizhal.pull;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.fixtures.SeedDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The scenarios at the end of CHANGE-CAPTURE.md against the correct pull, each deterministic.
 */
@ExtendWith(PostgresExtension.class)
class WindowScenariosIT {
    private static Scenarios scenarios;

    @BeforeAll
    static void setUp(TestDatabase db) {
        scenarios = new Scenarios(SeedDatabase.create(db), db, 0);
    }

    @Test
    void scenario1_aTransactionThatInsertedFirstAndCommitsLastWhileTheClientPagesArrivesInTheNextWindow() {
        scenarios.scenario1();
    }

    @Test
    void scenario2_aGrantAndAMoveInOneTransactionLeaveTheMovedRowOnTheClient() {
        scenarios.scenario2();
    }

    @Test
    void scenario3_aBucketRevokedDuringItsLoadSendsNoFurtherRowsAndIsNamedRevoked() {
        scenarios.scenario3();
    }

    @Test
    void scenario4_aClientMidWindowWhenWritesStopEndsUpToDateWithLaterCommits() {
        scenarios.scenario4();
    }

    @Test
    void scenario5_aRowMovedIntoAQueuedBucketThatIsRevokedBeforeItsLoadIsDeletedOnTheClient() {
        scenarios.scenario5();
    }

    @Test
    void scenario6_aDeleteInTheRequestWhereABucketsLoadCompletesReachesTheClient() {
        scenarios.scenario6();
    }

    @Test
    void scenario7_aNewUserAndAUserWithEmptyListsDrainAndHoldTheirBucketsWithoutLoadingTwice() {
        scenarios.scenario7();
    }

    @Test
    void scenario8_aRowMovedIntoALoadingBucketBehindItsLoadPositionStaysOnTheClient() {
        scenarios.scenario8();
    }
}
