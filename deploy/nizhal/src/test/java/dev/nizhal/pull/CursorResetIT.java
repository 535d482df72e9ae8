package dev.nizhal.pull;

import static dev.nizhal.fixtures.SeedDatabase.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.Cursor;
import dev.nizhal.domain.cursor.CursorCodec;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every reason a cursor cannot be continued answers {@code reset}: never an exception, never a silent gap. */
@ExtendWith(PostgresExtension.class)
class CursorResetIT {
    private static final byte[] OTHER_KEY =
            Arrays.copyOf("another-cursor-key-0123456789abcdefgh".getBytes(StandardCharsets.UTF_8), 32);

    private static TestDatabase db;
    private static Nizhal nizhal;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        nizhal = SeedDatabase.create(db);
    }

    private SyncTestClient syncedClient(String actor) {
        sql(db, "insert into notes(id, body, owner_id) values ('" + actor + "-n', 'x', '" + actor + "')");
        SyncTestClient client = new SyncTestClient(nizhal, Actor.of(actor), "c-" + actor, "myNotes");
        client.sync();
        assertThat(client.keys("notes")).containsExactly(actor + "-n");
        return client;
    }

    private static PullResponse pull(String actor, String clientId, String rule, String cursor) {
        return nizhal.pull(Actor.of(actor), new PullRequest(rule, clientId, cursor, null, List.of(), 100));
    }

    /** After a reset the client resyncs from scratch and ends with exactly its rows. */
    private static void assertResetThenResync(SyncTestClient client, String actor) {
        PullResponse response = client.pull(100);
        assertThat(response.reset()).isTrue();
        client.sync();
        assertThat(client.keys("notes")).containsExactly(actor + "-n");
    }

    @Test
    void aTamperedCursorResets() {
        SyncTestClient client = syncedClient("tamper");
        String cursor = client.cursor();
        char last = cursor.charAt(cursor.length() / 2);
        String tampered = cursor.substring(0, cursor.length() / 2)
                + (last == 'A' ? 'B' : 'A')
                + cursor.substring(cursor.length() / 2 + 1);

        assertThat(pull("tamper", "c-tamper", "myNotes", tampered).reset()).isTrue();
        assertThat(pull("tamper", "c-tamper", "myNotes", "not a cursor at all").reset())
                .isTrue();
        assertThat(pull("tamper", "c-tamper", "myNotes", cursor).reset()).isFalse();
    }

    @Test
    void anotherInstanceWithTheSameKeyContinuesFromTheCursorAndOneWithAnotherKeyResets() {
        SyncTestClient client = syncedClient("shared");
        Nizhal sameKey = engine(SeedDatabase.CURSOR_KEY.clone());
        Nizhal otherKey = engine(OTHER_KEY);
        PullRequest request = new PullRequest("myNotes", "c-shared", client.cursor(), null, List.of(), 100);

        PullResponse continued = sameKey.pull(Actor.of("shared"), request);
        PullResponse reset = otherKey.pull(Actor.of("shared"), request);

        assertThat(continued.reset()).isFalse();
        assertThat(reset.reset()).isTrue();
        // and back: the first instance continues from what the second one sealed
        assertThat(pull("shared", "c-shared", "myNotes", continued.cursor()).reset())
                .isFalse();
    }

    @Test
    void aCursorShowsNeitherItsActorNorItsClientNorTheDatabaseIdentity() {
        SyncTestClient client = syncedClient("visible-actor@example.com");
        String identity = db.jdbi()
                .withHandle(h -> h.createQuery("select identity from nizhal.meta")
                        .mapTo(String.class)
                        .one());
        byte[] sealed = Base64.getUrlDecoder().decode(client.cursor());
        String asLatin1 = new String(sealed, StandardCharsets.ISO_8859_1);
        String asUtf16 = new String(sealed, StandardCharsets.UTF_16BE) + new String(sealed, StandardCharsets.UTF_16LE);

        for (String secret : List.of("visible-actor@example.com", "c-visible-actor@example.com", identity)) {
            assertThat(asLatin1).as("UTF-8 bytes of %s", secret).doesNotContain(secret);
            assertThat(asUtf16).as("UTF-16 bytes of %s", secret).doesNotContain(secret);
            assertThat(client.cursor()).as("text of %s", secret).doesNotContain(secret);
        }
        assertThat(asLatin1)
                .as("raw bytes of the identity")
                .doesNotContain(new String(uuidBytes(identity), StandardCharsets.ISO_8859_1));
    }

    private static byte[] uuidBytes(String uuid) {
        UUID value = UUID.fromString(uuid);
        return ByteBuffer.allocate(16)
                .putLong(value.getMostSignificantBits())
                .putLong(value.getLeastSignificantBits())
                .array();
    }

    private static Nizhal engine(byte[] key) {
        return Nizhal.builder()
                .dataSource(db.dataSource())
                .syncRules(Fixtures.seedRules())
                .cursorKey(key)
                .build();
    }

    @Test
    void aCursorOfAnotherActorClientOrRuleResets() {
        SyncTestClient client = syncedClient("owner");

        assertThat(pull("intruder", "c-owner-2", "myNotes", client.cursor()).reset())
                .isTrue();
        assertThat(pull("owner", "c-other", "myNotes", client.cursor()).reset()).isTrue();
        assertThat(pull("owner", "c-owner", "sharedLists", client.cursor()).reset())
                .isTrue();
        assertThat(pull("owner", "c-owner", "myNotes", client.cursor()).reset()).isFalse();
    }

    @Test
    void rotatingTheDatabaseIdentityResetsEveryClient() {
        SyncTestClient client = syncedClient("rotated");

        nizhal.rotateIdentity();

        assertResetThenResync(client, "rotated");
    }

    @Test
    void aCursorOlderThanRetentionResets() {
        SyncTestClient client = syncedClient("retained");
        sql(db, "insert into notes(id, body, owner_id) values ('other-write', 'x', 'someone')");
        nizhal.takeSnapshotMark();

        assertThat(nizhal.trimChangeLog(Duration.ZERO)).isPresent();

        assertResetThenResync(client, "retained");
        PullResponse fresh = client.pull(100);
        assertThat(fresh.reset()).isFalse();
    }

    @Test
    void aCursorFromTheFutureResets() {
        SyncTestClient client = syncedClient("future");
        String identity = db.jdbi()
                .withHandle(h -> h.createQuery("select identity from nizhal.meta")
                        .mapTo(String.class)
                        .one());
        String plan = db.jdbi()
                .withHandle(h -> h.createQuery("select plan_hash from nizhal.meta")
                        .mapTo(String.class)
                        .one());
        long xmax = db.jdbi()
                .withHandle(h -> h.createQuery("select pg_snapshot_xmax(pg_current_snapshot())::text::int8")
                        .mapTo(Long.class)
                        .one());
        // as after a restore: the cursor's snapshots are ahead of the database
        PgSnapshot ahead = PgSnapshot.of(xmax + 1_000, xmax + 1_000);
        String future = CursorCodec.encode(
                new Cursor(1, identity, plan, "future", "c-future", "myNotes", ahead, ahead, true, null, List.of(), 7),
                SeedDatabase.CURSOR_KEY,
                new byte[CursorCodec.NONCE_BYTES]);

        assertThat(pull("future", "c-future", "myNotes", future).reset()).isTrue();
        assertThat(pull("future", "c-future", "myNotes", client.cursor()).reset())
                .isFalse();
    }

    @Test
    void aTruncatedTableResetsItsRules() {
        SyncTestClient client = syncedClient("truncated");

        sql(db, "truncate notes");
        PullResponse response = client.pull(100);
        client.sync();

        assertThat(response.reset()).isTrue();
        assertThat(client.keys("notes")).isEmpty();
    }

    @Test
    void repeatingAPullWithTheSameCursorIsSafeAndAStaleResponseIsRefused() {
        SyncTestClient client = syncedClient("repeat");
        sql(db, "insert into notes(id, body, owner_id) values ('repeat-2', 'x', 'repeat')");
        String before = client.cursor();

        PullResponse lost = client.fetch(100); // the response is lost
        PullResponse again = client.pull(100); // the client pulls again with the old cursor
        sql(db, "insert into notes(id, body, owner_id) values ('repeat-3', 'x', 'repeat')");
        client.sync();

        assertThat(lost.changes()).hasSize(1);
        assertThat(again.changes()).hasSize(1);
        assertThat(client.apply(before, lost)).as("a stale response is refused").isFalse();
        assertThat(client.keys("notes")).containsExactly("repeat-2", "repeat-3", "repeat-n");
    }

    @Test
    void anUnknownRuleAndAnotherActorsClientAreErrorsNotResets() {
        assertThatThrownBy(() -> pull("someone", "c-x", "noSuchRule", null))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.UNKNOWN_SYNC_RULE));
        sql(db, "insert into nizhal.clients(client_id, actor) values ('c-bound', 'first')");
        assertThatThrownBy(() -> pull("second", "c-bound", "myNotes", null))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.code()).isEqualTo(SyncErrorCode.CLIENT_ACTOR_MISMATCH));
    }
}
