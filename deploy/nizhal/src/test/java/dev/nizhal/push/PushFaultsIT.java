package dev.nizhal.push;

import static dev.nizhal.push.PushFixture.HOOKS;
import static dev.nizhal.push.PushFixture.count;
import static dev.nizhal.push.PushFixture.m;
import static dev.nizhal.push.PushFixture.push;
import static dev.nizhal.push.PushFixture.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.JdbiChangeLog;
import dev.nizhal.adapters.jdbi.JdbiMutationJournal;
import dev.nizhal.adapters.jdbi.JdbiRowSource;
import dev.nizhal.adapters.jdbi.JdbiSchemaCatalog;
import dev.nizhal.adapters.jdbi.JdbiTransactions;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.fakes.FixedCursorKeys;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.PushMutations.Applied;
import dev.nizhal.ports.in.PushMutations.MutationOutcome;
import dev.nizhal.ports.in.PushMutations.MutationRequest;
import dev.nizhal.ports.in.PushMutations.PushResponse;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Tx;
import dev.nizhal.ports.service.NizhalServices;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * U1-U3 and transient failures with real concurrency: two engines with their own connection pools on one
 * database, killed connections, serialization failures and deadlocks inside mutator bodies.
 */
@ExtendWith(PostgresExtension.class)
class PushFaultsIT {
    private static final Actor ALICE = Actor.of("alice");
    private static TestDatabase db;
    private static HikariDataSource poolA;
    private static HikariDataSource poolB;
    private static Nizhal a;
    private static Nizhal b;
    /** Per mutation key ("client#id"): a fault to run just before its transaction commits. */
    private static final ConcurrentHashMap<String, java.util.function.Consumer<Tx>> BEFORE_COMMIT =
            new ConcurrentHashMap<>();

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        sql(db, PushFixture.SCHEMA);
        poolA = pool("a");
        poolB = pool("b");
        NizhalServices.PushHooks hooks = new NizhalServices.PushHooks() {
            @Override
            public void beforeCommit(Tx tx, String clientId, long mutationId) {
                var fault = BEFORE_COMMIT.get(clientId + "#" + mutationId);
                if (fault != null) {
                    fault.accept(tx);
                }
            }
        };
        a = PushFixture.engine(poolA, hooks);
        b = PushFixture.engine(poolB, hooks);
    }

    @AfterAll
    static void tearDown() {
        poolA.close();
        poolB.close();
    }

    private static HikariDataSource pool(String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(10);
        config.setPoolName("push-" + name);
        // tells the engines' backends apart in pg_stat_activity
        config.addDataSourceProperty("ApplicationName", "push-" + name);
        return new HikariDataSource(config);
    }

    private static Nizhal engine(int i) {
        return i % 2 == 0 ? a : b;
    }

    @Test
    void fiftyParallelCopiesOfOnePushOnTwoEnginesApplyItOnceAndAllGetTheSameOutcome() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<PushResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Nizhal engine = engine(i);
            boolean waits = i < 16;
            futures.add(pool.submit(() -> {
                if (waits) {
                    start.await(30, TimeUnit.SECONDS);
                }
                return engine.push(ALICE, push("c-u1", m(1, "addNote", "{\"id\": \"u1-note\", \"body\": \"once\"}")));
            }));
        }
        List<MutationOutcome> outcomes = new ArrayList<>();
        for (Future<PushResponse> f : futures) {
            outcomes.add(f.get(60, TimeUnit.SECONDS).results().getFirst());
        }
        pool.shutdown();

        assertThat(outcomes)
                .allSatisfy(o -> assertThat(o)
                        .isInstanceOfSatisfying(
                                Applied.class,
                                applied -> assertThat(applied.serverId()).isEqualTo("u1-note")));
        assertThat(outcomes.stream().filter(o -> !((Applied) o).replayed())).hasSize(1);
        assertThat(count(db, "select count(*) from notes where id = 'u1-note'")).isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u1'"))
                .isOne();
    }

    @Test
    void mutation44NeverCommitsBefore43WhenBothArePushedAtOnceThroughTwoEngines() throws Exception {
        List<String> violations = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 10; round++) {
            String client = "c-u3-" + round;
            List<MutationRequest> first42 = new ArrayList<>();
            for (int id = 1; id <= 42; id++) {
                first42.add(m(id, "addNote", "{\"body\": \"x\"}"));
            }
            a.push(ALICE, new dev.nizhal.ports.in.PushMutations.PushRequest(client, first42));
            BEFORE_COMMIT.put(client + "#44", tx -> {
                // seen from another connection: 43 must already be committed when 44 is about to commit
                long committed = count(
                        db,
                        "select count(*) from nizhal.mutation_journal where client_id = '" + client
                                + "' and mutation_id = 43");
                if (committed != 1) {
                    violations.add(client);
                }
            });
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<Object> push43 = pool.submit(() -> {
                together.await(30, TimeUnit.SECONDS);
                return a.push(ALICE, push(client, m(43, "addNote", "{\"body\": \"43\"}")));
            });
            Future<Object> push44 = pool.submit(() -> {
                together.await(30, TimeUnit.SECONDS);
                try {
                    return b.push(ALICE, push(client, m(44, "addNote", "{\"body\": \"44\"}")));
                } catch (SyncException e) {
                    return e.code();
                }
            });
            assertThat(push43.get(60, TimeUnit.SECONDS)).isInstanceOf(PushResponse.class);
            Object result44 = push44.get(60, TimeUnit.SECONDS);
            pool.shutdown();
            if (result44 == SyncErrorCode.MUTATION_ORDER) {
                // 44 came first and was told to wait for 43: it applies once pushed again
                assertThat(b.push(ALICE, push(client, m(44, "addNote", "{\"body\": \"44\"}")))
                                .results())
                        .hasSize(1);
            } else {
                assertThat(result44).isInstanceOf(PushResponse.class);
            }
            assertThat(count(
                            db,
                            "select max(mutation_id) from nizhal.mutation_journal where client_id = '" + client + "'"))
                    .isEqualTo(44);
        }

        assertThat(violations).isEmpty();
    }

    @Test
    void aCounterIncrementPushedManyTimesSequentiallyAndInParallelOnTwoEnginesCountsOnceAndLogsOnce() throws Exception {
        String todo = "00000000-0000-0000-0000-0000000001a1";
        sql(
                db,
                "insert into lists values (1001, 'counting', 'alice'); insert into todos(id, list_id, title, position)"
                        + " values ('" + todo + "', 1001, 'counter', 0)");
        long loggedBefore = count(db, "select count(*) from nizhal.change_log where '" + todo + "' = any(pks)");
        MutationRequest first = m(1, "increment", "{\"id\": \"" + todo + "\"}");
        MutationRequest second = m(2, "increment", "{\"id\": \"" + todo + "\"}");
        List<MutationOutcome> outcomes = new CopyOnWriteArrayList<>();
        // one after the other, alternating engines: the first copy applies, the others are replays
        for (int i = 0; i < 10; i++) {
            outcomes.addAll(engine(i).push(ALICE, push("c-u1-count", first)).results());
        }
        // then a batch of both, 40 copies at once on both engines (16 start together)
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<PushResponse>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Nizhal engine = engine(i);
            boolean waits = i < 16;
            futures.add(pool.submit(() -> {
                if (waits) {
                    start.await(30, TimeUnit.SECONDS);
                }
                return engine.push(ALICE, push("c-u1-count", first, second));
            }));
        }
        for (Future<PushResponse> f : futures) {
            outcomes.addAll(f.get(60, TimeUnit.SECONDS).results());
        }
        pool.shutdown();

        assertThat(outcomes).hasSize(10 + 40 * 2).allSatisfy(o -> assertThat(o).isInstanceOf(Applied.class));
        for (long id : new long[] {1, 2}) {
            assertThat(outcomes.stream().filter(o -> o.id() == id && !((Applied) o).replayed()))
                    .as("mutation %d ran once", id)
                    .hasSize(1);
        }
        assertThat(count(db, "select position from todos where id = '" + todo + "'"))
                .as("the counter, which no key protects, went up once per mutation")
                .isEqualTo(2);
        assertThat(count(db, "select count(*) from nizhal.change_log where '" + todo + "' = any(pks)"))
                .as("one change-log row per applied mutation, besides the insert's")
                .isEqualTo(loggedBefore + 2);
        assertThat(count(
                        db,
                        "select count(*) from nizhal.change_log l join nizhal.mutation_journal j on j.txid = l.txid"
                                + " where j.client_id = 'c-u1-count' and '" + todo + "' = any(l.pks)"))
                .as("each in its mutation's transaction")
                .isEqualTo(2);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u1-count'"))
                .isEqualTo(2);
    }

    @Test
    void mutation44WaitsOnTheClientsLockWhile43IsOpenAndAppliesOnce43Commits() throws Exception {
        String client = "c-u3-race";
        List<MutationRequest> first42 = new ArrayList<>();
        for (int id = 1; id <= 42; id++) {
            first42.add(m(id, "addNote", "{\"body\": \"x\"}"));
        }
        a.push(ALICE, new dev.nizhal.ports.in.PushMutations.PushRequest(client, first42));
        CountDownLatch inside43 = new CountDownLatch(1);
        CountDownLatch release43 = new CountDownLatch(1);
        AtomicInteger backend43 = new AtomicInteger();
        BEFORE_COMMIT.put(client + "#43", tx -> {
            backend43.set(tx.handle(Handle.class)
                    .createQuery("select pg_backend_pid()")
                    .mapTo(Integer.class)
                    .one());
            inside43.countDown();
            try {
                // 43's transaction stays open, its journal entry written, until the test has seen 44 wait
                assertThat(release43.await(60, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<PushResponse> push43 =
                    pool.submit(() -> a.push(ALICE, push(client, m(43, "addNote", "{\"body\": \"43\"}"))));
            assertThat(inside43.await(30, TimeUnit.SECONDS))
                    .as("43 reached its commit")
                    .isTrue();
            Future<PushResponse> push44 =
                    pool.submit(() -> b.push(ALICE, push(client, m(44, "addNote", "{\"body\": \"44\"}"))));

            // engine b's backend for 44 waits on a lock that 43's backend holds (the client's row)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> waits = List.of();
            while (waits.isEmpty() && System.nanoTime() < deadline) {
                waits = db.jdbi()
                        .withHandle(h -> h.createQuery("select l.locktype from pg_stat_activity a"
                                        + " join pg_locks l on l.pid = a.pid and not l.granted"
                                        + " where a.application_name = 'push-b' and a.wait_event_type = 'Lock'"
                                        + " and :blocker = any(pg_blocking_pids(a.pid))")
                                .bind("blocker", backend43.get())
                                .mapTo(String.class)
                                .list());
                if (waits.isEmpty()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
            assertThat(waits).as("44's backend waits on a lock held by 43's").isNotEmpty();
            assertThat(push44.isDone())
                    .as("44 has not answered while 43 is open")
                    .isFalse();
            assertThat(count(
                            db,
                            "select count(*) from nizhal.mutation_journal where client_id = '" + client
                                    + "' and mutation_id >= 43"))
                    .as("neither 43 nor 44 is committed yet")
                    .isZero();

            release43.countDown();

            assertThat(push43.get(60, TimeUnit.SECONDS).results())
                    .singleElement()
                    .isInstanceOfSatisfying(
                            Applied.class,
                            applied -> assertThat(applied.replayed()).isFalse());
            assertThat(push44.get(60, TimeUnit.SECONDS).results())
                    .as("44 applied right after 43 committed, not refused as out of order")
                    .singleElement()
                    .isInstanceOfSatisfying(
                            Applied.class,
                            applied -> assertThat(applied.replayed()).isFalse());
        } finally {
            release43.countDown();
            BEFORE_COMMIT.remove(client + "#43");
            pool.shutdown();
        }
        assertThat(count(db, "select count(*) from notes where body in ('43', '44')"))
                .isEqualTo(2);
    }

    @Test
    void aConnectionKilledInsideTheMutatorAfterItWroteLeavesNothingAndTheRetryAppliesOnce() {
        AtomicBoolean killed = new AtomicBoolean();
        HOOKS.put("killed-in-body", h -> {
            if (killed.compareAndSet(false, true)) {
                h.execute("select pg_terminate_backend(pg_backend_pid())");
            }
        });

        PushResponse response = a.push(ALICE, push("c-u2-body", m(1, "hook", "{\"id\": \"killed-in-body\"}")));

        assertThat(killed).isTrue();
        assertThat(response.results())
                .containsExactly(new Applied(1, "killed-in-body", List.of("myNotes[\"alice\"]"), false));
        assertThat(count(db, "select count(*) from notes where id = 'killed-in-body'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u2-body'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.change_log where 'killed-in-body' = any(pks)"))
                .isOne();
    }

    /**
     * A group's bodies run without savepoints: a connection killed in its middle body loses the whole transaction, the
     * bodies before it with it, and each mutation then applies once.
     */
    @Test
    void aConnectionKilledInTheMiddleBodyOfAGroupLeavesNothingAndEachMutationAppliesOnce() {
        AtomicBoolean killed = new AtomicBoolean();
        HOOKS.put("killed-mid-group", h -> {
            if (killed.compareAndSet(false, true)) {
                h.execute("select pg_terminate_backend(pg_backend_pid())");
            }
        });

        PushResponse response = a.push(
                ALICE,
                push(
                        "c-u2-group",
                        m(1, "addNote", "{\"id\": \"mid-1\", \"body\": \"one\"}"),
                        m(2, "hook", "{\"id\": \"killed-mid-group\"}"),
                        m(3, "addNote", "{\"id\": \"mid-3\", \"body\": \"three\"}")));

        assertThat(killed).isTrue();
        assertThat(response.results())
                .containsExactly(
                        new Applied(1, "mid-1", List.of("myNotes[\"alice\"]"), false),
                        new Applied(2, "killed-mid-group", List.of("myNotes[\"alice\"]"), false),
                        new Applied(3, "mid-3", List.of("myNotes[\"alice\"]"), false));
        assertThat(count(db, "select count(*) from notes where id in ('mid-1', 'killed-mid-group', 'mid-3')"))
                .isEqualTo(3);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u2-group'"))
                .isEqualTo(3);
        assertThat(count(
                        db,
                        "select count(*) from nizhal.change_log"
                                + " where pks && array['mid-1', 'killed-mid-group', 'mid-3']"))
                .isEqualTo(3);
    }

    @Test
    void aConnectionKilledJustBeforeCommitLeavesNothingAndTheRetryAppliesOnce() {
        AtomicBoolean killed = new AtomicBoolean();
        BEFORE_COMMIT.put("c-u2-commit#1", tx -> {
            if (killed.compareAndSet(false, true)) {
                // the row, the journal entry and the change-log row are written: kill before they commit
                assertThat(tx.handle(Handle.class)
                                .createQuery(
                                        "select count(*) from nizhal.mutation_journal where client_id = 'c-u2-commit'")
                                .mapTo(Long.class)
                                .one())
                        .isOne();
                tx.handle(Handle.class).execute("select pg_terminate_backend(pg_backend_pid())");
            }
        });

        PushResponse response =
                a.push(ALICE, push("c-u2-commit", m(1, "addNote", "{\"id\": \"k2\", \"body\": \"x\"}")));

        assertThat(killed).isTrue();
        assertThat(response.results()).hasSize(1).first().isInstanceOf(Applied.class);
        assertThat(count(db, "select count(*) from notes where id = 'k2'")).isOne();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-u2-commit'"))
                .isOne();
        assertThat(count(db, "select count(*) from nizhal.change_log where 'k2' = any(pks)"))
                .isOne();
    }

    @Test
    void aConnectionThatKeepsDyingIsAnsweredRetryableAndNeverRecorded() {
        HOOKS.put("always-killed", h -> h.execute("select pg_terminate_backend(pg_backend_pid())"));

        assertThatThrownBy(() -> a.push(ALICE, push("c-dead", m(1, "hook", "{\"id\": \"always-killed\"}"))))
                .isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.code()).isEqualTo(SyncErrorCode.TRANSIENT);
                    assertThat(e.retryable()).isTrue();
                });
        PushResponse second = a.push(
                ALICE,
                push(
                        "c-dead2",
                        m(1, "addNote", "{\"id\": \"before-dead\", \"body\": \"x\"}"),
                        m(2, "hook", "{\"id\": \"always-killed\"}"),
                        m(3, "addNote", "{\"id\": \"after-dead\", \"body\": \"x\"}")));

        assertThat(second.results().get(0)).isInstanceOf(Applied.class);
        assertThat(second.results().get(1))
                .isEqualTo(new dev.nizhal.ports.in.PushMutations.NotAttempted(2, SyncErrorCode.TRANSIENT));
        assertThat(second.results().get(2)).isEqualTo(new dev.nizhal.ports.in.PushMutations.NotAttempted(3, null));
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id in ('c-dead', 'c-dead2')"))
                .isOne();
        assertThat(count(db, "select count(*) from notes where id in ('always-killed', 'after-dead')"))
                .isZero();
    }

    @Test
    void twoSerializableMutatorsInConflictAreRetriedAndBothApply() throws Exception {
        sql(db, "insert into counters values ('s1', 0), ('s2', 0) on conflict do nothing");
        CyclicBarrier bothRead = new CyclicBarrier(2);
        AtomicBoolean once1 = new AtomicBoolean();
        AtomicBoolean once2 = new AtomicBoolean();
        HOOKS.put("bump:s1", h -> awaitOnce(once1, bothRead));
        HOOKS.put("bump:s2", h -> awaitOnce(once2, bothRead));
        ExecutorService pool = Executors.newFixedThreadPool(2);

        Future<PushResponse> first =
                pool.submit(() -> a.push(ALICE, push("c-ser-1", m(1, "bump", "{\"counter\": \"s1\"}"))));
        Future<PushResponse> second =
                pool.submit(() -> b.push(ALICE, push("c-ser-2", m(1, "bump", "{\"counter\": \"s2\"}"))));

        assertThat(first.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        assertThat(second.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        pool.shutdown();
        // serializable: one of them saw the other's write, so the values are 1 and 2, not 1 and 1
        Set<Long> values =
                new HashSet<>(PushFixture.countAll(db, "select value from counters where id in ('s1', 's2')"));
        assertThat(values).containsExactlyInAnyOrder(1L, 2L);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id like 'c-ser-%'"))
                .isEqualTo(2);
    }

    /**
     * A brand-new client's lookup under SERIALIZABLE would take a predicate lock on the clients index page that the
     * other new client inserts into (a conflict about half of the time, before the new client was registered in a
     * transaction of its own); repeated, since a run without the conflict proves nothing alone.
     */
    @RepeatedTest(4)
    void twoSerializablePushesOfDifferentNewClientsWithDisjointWritesDoNotConflict(RepetitionInfo run)
            throws Exception {
        String one = "fresh-" + run.getCurrentRepetition() + "-1";
        String two = "fresh-" + run.getCurrentRepetition() + "-2";
        AtomicInteger bodies = new AtomicInteger();
        CountDownLatch firstInBody = new CountDownLatch(1);
        CyclicBarrier bothInBody = new CyclicBarrier(2);
        AtomicBoolean once1 = new AtomicBoolean();
        AtomicBoolean once2 = new AtomicBoolean();
        HOOKS.put("mark:" + one, h -> {
            bodies.incrementAndGet();
            firstInBody.countDown();
            awaitOnce(once1, bothInBody);
        });
        HOOKS.put("mark:" + two, h -> {
            bodies.incrementAndGet();
            awaitOnce(once2, bothInBody);
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);

        // the second push starts once the first has locked its client and run into its body, so the two lock phases
        // never interleave: what remains is the journal, which each reads at its lock and writes after the barrier
        Future<PushResponse> first =
                pool.submit(() -> a.push(ALICE, push("c-" + one, m(1, "mark", "{\"counter\": \"" + one + "\"}"))));
        assertThat(firstInBody.await(30, TimeUnit.SECONDS)).isTrue();
        Future<PushResponse> second =
                pool.submit(() -> b.push(ALICE, push("c-" + two, m(1, "mark", "{\"counter\": \"" + two + "\"}"))));

        assertThat(first.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        assertThat(second.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        pool.shutdown();
        // one run each: a serialization failure would have run one body again
        assertThat(bodies).hasValue(2);
        assertThat(count(db, "select count(*) from counters where id in ('" + one + "', '" + two + "')"))
                .isEqualTo(2);
    }

    @Test
    void twoSerializablePushesOfDifferentKnownClientsWithDisjointWritesDoNotConflict() throws Exception {
        a.push(ALICE, push("c-known-1", m(1, "nizhal.skip", null)));
        a.push(ALICE, push("c-known-2", m(1, "nizhal.skip", null)));
        AtomicInteger bodies = new AtomicInteger();
        CyclicBarrier bothInBody = new CyclicBarrier(2);
        AtomicBoolean once1 = new AtomicBoolean();
        AtomicBoolean once2 = new AtomicBoolean();
        HOOKS.put("mark:known-1", h -> {
            bodies.incrementAndGet();
            awaitOnce(once1, bothInBody);
        });
        HOOKS.put("mark:known-2", h -> {
            bodies.incrementAndGet();
            awaitOnce(once2, bothInBody);
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);

        Future<PushResponse> first =
                pool.submit(() -> a.push(ALICE, push("c-known-1", m(2, "mark", "{\"counter\": \"known-1\"}"))));
        Future<PushResponse> second =
                pool.submit(() -> b.push(ALICE, push("c-known-2", m(2, "mark", "{\"counter\": \"known-2\"}"))));

        assertThat(first.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        assertThat(second.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        pool.shutdown();
        // one run each: a serialization failure would have run one body again
        assertThat(bodies).hasValue(2);
        assertThat(count(db, "select count(*) from counters where id in ('known-1', 'known-2')"))
                .isEqualTo(2);
    }

    @Test
    void aDeadlockBetweenTwoMutatorBodiesIsRetriedAndBothApply() throws Exception {
        sql(db, "insert into counters values ('d1', 0), ('d2', 0) on conflict do nothing");
        CyclicBarrier bothLocked = new CyclicBarrier(2);
        AtomicBoolean once1 = new AtomicBoolean();
        AtomicBoolean once2 = new AtomicBoolean();
        HOOKS.put("lockTwo:d1", h -> awaitOnce(once1, bothLocked));
        HOOKS.put("lockTwo:d2", h -> awaitOnce(once2, bothLocked));
        ExecutorService pool = Executors.newFixedThreadPool(2);

        Future<PushResponse> first = pool.submit(
                () -> a.push(ALICE, push("c-dl-1", m(1, "lockTwo", "{\"first\": \"d1\", \"second\": \"d2\"}"))));
        Future<PushResponse> second = pool.submit(
                () -> b.push(ALICE, push("c-dl-2", m(1, "lockTwo", "{\"first\": \"d2\", \"second\": \"d1\"}"))));

        assertThat(first.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        assertThat(second.get(60, TimeUnit.SECONDS).results().getFirst()).isInstanceOf(Applied.class);
        pool.shutdown();
        assertThat(count(db, "select sum(value) from counters where id in ('d1', 'd2')"))
                .isEqualTo(4);
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id like 'c-dl-%'"))
                .isEqualTo(2);
    }

    @Test
    void twoFirstPushesOfABrandNewClientAtTheSameMomentBothSucceedInOrder() throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<PushResponse>> futures = new ArrayList<>();
        for (Nizhal engine : List.of(a, b)) {
            futures.add(pool.submit(() -> {
                together.await(30, TimeUnit.SECONDS);
                return engine.push(
                        ALICE,
                        push(
                                "c-brand-new",
                                m(1, "addNote", "{\"id\": \"bn1\", \"body\": \"x\"}"),
                                m(2, "addNote", "{\"id\": \"bn2\", \"body\": \"x\"}")));
            }));
        }
        List<PushResponse> responses = new ArrayList<>();
        for (Future<PushResponse> f : futures) {
            responses.add(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();

        for (PushResponse r : responses) {
            assertThat(r.results()).extracting(MutationOutcome::id).containsExactly(1L, 2L);
            assertThat(r.results()).allSatisfy(o -> assertThat(o).isInstanceOf(Applied.class));
        }
        assertThat(count(db, "select count(*) from nizhal.clients where client_id = 'c-brand-new'"))
                .isOne();
        assertThat(count(db, "select count(*) from notes where id in ('bn1', 'bn2')"))
                .isEqualTo(2);
    }

    @Test
    void aFailureAfterTheBodyButBeforeTheRecordRollsBackTheBodysWritesAndRecordsNothing() {
        // the one test double here: the grants of the affected buckets fail with a non-SQL error; all else is real
        JdbiRowSource real = new JdbiRowSource();
        RowSource failingGrants = new RowSource() {
            @Override
            public Set<String> grants(Tx tx, CompiledRules.CompiledRule rule, Actor actor) {
                throw new IllegalStateException("the grants cannot be read");
            }

            @Override
            public Set<String> grantKeys(Tx tx, CompiledRules.CompiledRule rule, Actor actor) {
                return real.grantKeys(tx, rule, actor);
            }

            @Override
            public Set<String> requested(Tx tx, CompiledRules.CompiledRule rule, String filtersJson) {
                return real.requested(tx, rule, filtersJson);
            }

            @Override
            public List<Row> changedRows(
                    Tx tx, CompiledRules.CompiledCollection collection, List<String> keys, Set<String> readSet) {
                return real.changedRows(tx, collection, keys, readSet);
            }

            @Override
            public Page page(
                    Tx tx,
                    CompiledRules.CompiledCollection collection,
                    String bucket,
                    String afterKey,
                    int limit,
                    long maxBytes) {
                return real.page(tx, collection, bucket, afterKey, limit, maxBytes);
            }
        };
        Jdbi jdbi = Jdbi.create(poolA);
        List<Throwable> incidents = new CopyOnWriteArrayList<>();
        PushMutations service = NizhalServices.create(
                        NizhalServices.Config.builder(Fixtures.seedRules(), new JdbiSchemaCatalog(jdbi))
                                .mutators(PushFixture.MUTATORS)
                                .argsCodec(new JacksonArgsCodec())
                                .storage(new NizhalServices.Storage(
                                        new JdbiTransactions(jdbi),
                                        new JdbiChangeLog(),
                                        failingGrants,
                                        new JdbiMutationJournal()))
                                .cursorKeys(new FixedCursorKeys(SeedDatabase.CURSOR_KEY))
                                .ids(() -> UUID.randomUUID().toString())
                                .incidents((id, what, failure) -> incidents.add(failure))
                                .build())
                .pushMutations();

        assertThatThrownBy(() -> service.push(
                        ALICE, push("c-after-body", m(1, "addNote", "{\"id\": \"after-body\", \"body\": \"x\"}"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the grants cannot be read");
        // U2: the body's row, its change-log row and a journal entry all rolled back together; nothing is recorded
        // as the mutator's failure
        assertThat(incidents).isEmpty();
        assertThat(count(db, "select count(*) from notes where id = 'after-body'"))
                .isZero();
        assertThat(count(db, "select count(*) from nizhal.change_log where 'after-body' = any(pks)"))
                .isZero();
        assertThat(count(db, "select count(*) from nizhal.mutation_journal where client_id = 'c-after-body'"))
                .isZero();
    }

    /** Both bodies wait for each other once (then a retry runs straight through). */
    private static void awaitOnce(AtomicBoolean once, CyclicBarrier barrier) {
        if (once.compareAndSet(false, true)) {
            try {
                barrier.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the other body never arrived", e);
            }
        }
    }
}
