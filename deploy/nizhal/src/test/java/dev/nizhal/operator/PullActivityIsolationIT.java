package dev.nizhal.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.NizhalTestSeams;
import dev.nizhal.adapters.jdbi.JdbiPullActivity;
import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.out.PullActivity;
import dev.nizhal.ports.service.PullDefect;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PROTOCOL P4: what a pull records for operators (the console's last pull, held buckets, lag) is recorded outside
 * the pull and best effort, so a recorder that throws, whose writer is stuck, or whose queue is full leaves every
 * pull as it would be without it: the same answer, no error, and no waiting for the recorder. Each pull here is
 * compared with the same request answered by an engine without a console over the same database.
 */
@ExtendWith(PostgresExtension.class)
class PullActivityIsolationIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static TestDatabase db;
    /** The reference: an engine without the console, so nothing records its pulls. */
    private static Nizhal reference;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        SeedDatabase.sql(db, SeedDatabase.SCHEMA);
        reference = SeedDatabase.engine(db, Fixtures.seedRules(), null, PullDefect.NONE);
        SeedDatabase.sql(
                db,
                "insert into notes(id, body, owner_id) select 'n' || g, 'body ' || g,"
                        + " case when g % 2 = 0 then 'alice' else 'bob' end from generate_series(1, 40) g");
    }

    @AfterAll
    static void tearDown() {
        reference.close();
    }

    @Test
    void aRecorderThatThrowsLeavesEveryPullAsItIs() {
        AtomicInteger calls = new AtomicInteger();
        PullActivity throwing = pull -> {
            calls.incrementAndGet();
            throw new IllegalStateException("the recorder is broken");
        };
        try (Nizhal nizhal = consoleEngine(throwing)) {
            List<PullResponse> pulls = syncAlongside(nizhal, Actor.of("alice"), "c-throwing");

            assertThat(pulls).isNotEmpty();
            assertThat(calls)
                    .as("the recorder saw every pull and threw each time")
                    .hasValue(pulls.size());
        }
    }

    @Test
    void aRecorderWhoseWriterIsStuckAndWhoseQueueIsFullLeavesEveryPullAsItIs() throws Exception {
        JdbiPullActivity recorder = new JdbiPullActivity(db.jdbi(), Instant::now);
        try (Nizhal nizhal = consoleEngine(recorder);
                Handle lock = db.jdbi().open()) {
            Actor bob = Actor.of("bob");
            // the writer gets stuck: a transaction holds the table of last pulls, and the writer waits for it
            lock.begin();
            lock.execute("lock table nizhal.client_pulls in access exclusive mode");
            PullResponse first = nizhal.pull(bob, request("c-stuck", null, List.of(), 5));
            Await.until("the recorder's writer waits for the lock", PATIENCE, PullActivityIsolationIT::writerIsStuck);

            // while it is stuck, the pulls go on, answered as by the reference
            List<PullResponse> pulls = syncAlongside(nizhal, bob, "c-stuck-2");
            assertThat(writerIsStuck())
                    .as("the writer is still stuck: the pulls did not wait for it")
                    .isTrue();

            // and with its queue full: the pull's record is dropped, the pull is not
            long dropped = recorder.dropped();
            for (int i = 0; recorder.dropped() == dropped; i++) {
                assertThat(i).as("the queue fills up").isLessThan(1_000_000);
                recorder.pulled(
                        new PullActivity.PullRecord("c-filler", "filler", "myNotes", List.of(), null, false, 0, false));
            }
            long full = recorder.dropped();
            PullResponse whileFull = nizhal.pull(bob, request("c-stuck", first.cursor(), List.of(), 1000));
            PullResponse expected = reference.pull(bob, request("c-stuck", first.cursor(), List.of(), 1000));
            assertSameAnswer(whileFull, expected);
            assertThat(recorder.dropped()).as("the pull's record was dropped").isEqualTo(full + 1);
            assertThat(writerIsStuck()).isTrue();

            // once the lock goes, the writer catches up: best effort, the console shows the pulls it kept
            lock.rollback();
            Await.until("the stuck pull is recorded", PATIENCE, () -> recordedPulls("c-stuck-2") == pulls.size());
            assertThat(recordedPulls("c-stuck"))
                    .as("the first pull, taken before the queue was full")
                    .isEqualTo(1);
        } finally {
            recorder.close();
        }
    }

    /** An engine with the console on, whose pulls go to {@code recorder} instead of the console's own. */
    private static Nizhal consoleEngine(PullActivity recorder) {
        return NizhalTestSeams.pullActivity(
                        Nizhal.builder()
                                .dataSource(db.dataSource())
                                .syncRules(Fixtures.seedRules())
                                .cursorKey(SeedDatabase.CURSOR_KEY)
                                .operatorConsole(true),
                        recorder)
                .build();
    }

    /**
     * Syncs a client to the end in small pages through {@code nizhal}, asking the reference the same request each
     * time and requiring the same answer (the cursor aside: it carries the snapshot of its own transaction); the
     * client goes on with the cursor {@code nizhal} gave. Returns {@code nizhal}'s responses.
     */
    private static List<PullResponse> syncAlongside(Nizhal nizhal, Actor actor, String clientId) {
        List<PullResponse> responses = new ArrayList<>();
        Set<String> held = new TreeSet<>();
        String cursor = null;
        PullResponse response;
        do {
            PullRequest request = request(clientId, cursor, List.copyOf(held), 5);
            PullResponse expected = reference.pull(actor, request);
            response = nizhal.pull(actor, request);
            assertSameAnswer(response, expected);
            responses.add(response);
            held.addAll(response.loadedBuckets());
            held.removeAll(response.revokedBuckets());
            cursor = response.cursor();
        } while (response.hasMore());
        assertThat(responses.stream().mapToInt(r -> r.changes().size()).sum())
                .as("the client received its 20 notes")
                .isEqualTo(20);
        return responses;
    }

    private static void assertSameAnswer(PullResponse actual, PullResponse expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("cursor").isEqualTo(expected);
    }

    private static PullRequest request(String clientId, String cursor, List<String> held, int limit) {
        return new PullRequest("myNotes", clientId, cursor, null, held, limit);
    }

    /** Some backend waits for a lock on the table of last pulls: only the recorder's writer writes it. */
    private static boolean writerIsStuck() {
        return db.jdbi()
                .withHandle(h -> h.createQuery("select exists (select 1 from pg_locks l join pg_class c"
                                + " on c.oid = l.relation where c.relname = 'client_pulls' and not l.granted)")
                        .mapTo(Boolean.class)
                        .one());
    }

    private static long recordedPulls(String clientId) {
        return db.jdbi()
                .withHandle(h -> h.createQuery(
                                "select coalesce(sum(pulls), 0) from nizhal.client_pulls" + " where client_id = :c")
                        .bind("c", clientId)
                        .mapTo(Long.class)
                        .one());
    }
}
