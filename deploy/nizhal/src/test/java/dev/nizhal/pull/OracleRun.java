package dev.nizhal.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.fixtures.SeedDatabase;
import dev.nizhal.ports.in.PullChanges.Delete;
import dev.nizhal.ports.in.PullChanges.PullRequest;
import dev.nizhal.ports.in.PullChanges.PullResponse;
import dev.nizhal.ports.in.PullChanges.Upsert;
import dev.nizhal.ports.out.Tx;
import dev.nizhal.ports.service.PullDefect;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * One seeded run of the randomized oracle of TESTING.md ({@link RandomizedOracleIT}): concurrent writers doing every
 * kind of change with plain SQL, clients that behave like real ones (compare-and-set, lost and stale responses,
 * filter changes), and checks of P2 inside each pull's transaction, P5 on every applied response, and P1 after the
 * writers stop. A failed check is an {@link OracleViolation} naming its {@link Check}, so that
 * {@link RandomizedOracleTeethIT} can assert which check caught a known defect.
 */
final class OracleRun {
    static final int WRITERS = 4;
    static final List<String> ACTORS = List.of("u0", "u1", "u2", "u3");
    static final int LISTS = 8;

    /** Failures a writer expects under concurrency: the transaction is rolled back and the run goes on. */
    static final Set<String> EXPECTED_WRITE_FAILURES = Set.of("40001", "40P01");

    /** Expected only where a key change may hit a taken key (inside a savepoint). */
    static final String UNIQUE_VIOLATION = "23505";

    static final String SCHEMA = """
            create sequence oracle_version;
            create table notes(id text primary key, owner_id text, body text, published bool not null default true,
                               version int8);
            create table lists(id int8 primary key, name text, version int8);
            create table list_members(list_id int8, user_id text, primary key (list_id, user_id));
            create table todos(id text primary key, list_id int8, title text, done bool not null default false,
                               version int8);
            -- versions rise in commit order per key, across deletes, re-inserts and key changes (TESTING.md)
            create function oracle_version() returns trigger language plpgsql as $$
            begin
              if tg_op in ('UPDATE', 'DELETE') then
                perform pg_advisory_xact_lock(hashtext(tg_table_name || ':' || old.id::text));
              end if;
              if tg_op = 'DELETE' then
                return old;
              end if;
              perform pg_advisory_xact_lock(hashtext(tg_table_name || ':' || new.id::text));
              new.version := nextval('oracle_version');
              return new;
            end $$;
            create trigger oracle_version before insert or update or delete on notes
              for each row execute function oracle_version();
            create trigger oracle_version before insert or update or delete on lists
              for each row execute function oracle_version();
            create trigger oracle_version before insert or update or delete on todos
              for each row execute function oracle_version();
            """;

    static final SyncRules RULES = SyncRules.define(b -> b.rule(
                    "myNotes",
                    r -> r.parameters(p -> p.fromActor("ownerId"))
                            .data(bucket -> List.of(b.table("notes")
                                    .columns("id", "owner_id", "body", "published", "version")
                                    .where(b.and(b.eq("owner_id", bucket.param("ownerId")), b.eq("published", true))))))
            .rule(
                    "sharedLists",
                    r -> r.parameters(p -> p.fromQuery(
                                    "listId",
                                    b.table("list_members").select("list_id").where(b.eq("user_id", p.actorId()))))
                            .data(bucket -> List.of(
                                    b.table("lists")
                                            .columns("id", "name", "version")
                                            .where(b.eq("id", bucket.param("listId"))),
                                    b.table("todos")
                                            .columns("id", "list_id", "title", "done", "version")
                                            .where(b.eq("list_id", bucket.param("listId")))))));

    /** The oracle's checks; a failed one is named by its {@link OracleViolation}. */
    enum Check {
        /** P2: every served bucket is granted, by an independent grant query in the pull's snapshot. */
        P2_SERVED_GRANTED,
        /** P2: an upsert's row equals the row read again by its key in the pull's own transaction. */
        P2_UPSERT_IS_THE_STORED_ROW,
        /** P2: the stored row is in a bucket granted to the actor. */
        P2_UPSERT_GRANTED,
        /** An upsert's buckets are exactly the one bucket its stored row is in. */
        P2_UPSERT_BUCKETS,
        /** An upsert names only buckets of the read set: held and served, or loading (never a queued one). */
        P2_UPSERT_IN_READ_SET,
        /**
         * P1, at every response: a delete never names a key whose row, in the pull's snapshot, is in a bucket the
         * client held or was loading before the request (the client must keep that row; a load already past its key
         * would never send it again).
         */
        P1_KEPT_ROW_NOT_DELETED,
        /** P2: a delete names a key logged under a window-set bucket after that bucket's load began. */
        P2_DELETE_LOGGED_AFTER_LOAD,
        /** P5: a key's version never goes down across applied responses. */
        P5_MONOTONIC,
        /** Compare-and-set: a fresh response applies. */
        CLIENT,
        /** Compare-and-set: a stale response is refused. */
        STALE_REFUSED,
        /** A damaged cursor is answered reset. */
        RESET,
        /** P1: after the writers stop, pulling until hasMore is false ends. */
        P1_CONVERGES,
        /** P1: the client holds exactly its served buckets. */
        P1_HELD_EQUALS_SERVED,
        /** P1: the client's rows equal the rows of its served buckets, column for column. */
        P1_ROWS,
        /** Writers failed only with expected SQLSTATEs, and few times. */
        WRITES,
        /** Every kind of event happened in the run. */
        COVERAGE
    }

    /** A failed check of the oracle, naming the check. */
    static final class OracleViolation extends AssertionError {
        private final Check check;

        OracleViolation(Check check, Throwable cause) {
            super(check + ": " + cause.getMessage(), cause);
            this.check = check;
        }

        Check check() {
            return check;
        }

        /** The violation in {@code e}'s cause chain (a check inside a pull's transaction fails that pull). */
        static Optional<OracleViolation> in(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof OracleViolation v) {
                    return Optional.of(v);
                }
            }
            return Optional.empty();
        }
    }

    /** Runs {@code assertion}; its failure becomes a violation of {@code check}. */
    static void verify(Check check, Runnable assertion) {
        try {
            assertion.run();
        } catch (OracleViolation v) {
            throw v;
        } catch (AssertionError e) {
            throw new OracleViolation(check, e);
        }
    }

    private final TestDatabase db;
    private final long seed;
    private final Random random;
    private final PullDefect defect;
    /** The bound on the rows of a response, or 0 for the engine's own (about 4 MiB: never reached here). */
    private final long rowBytes;

    private final int operations;
    private final boolean checkCoverage;
    private final Consumer<Jdbi> afterMigrate;
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final Jdbi jdbi;
    private final String prefix;
    /** Runs in one JVM number their lists apart. */
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final long listBase = RUNS.incrementAndGet() * 100L;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger writeFailures = new AtomicInteger();
    /** Per cursor: the snapshot in which each bucket the client holds or loads began to load (the P2 delete bound). */
    private final Map<String, Map<String, String>> loadsBegan = new ConcurrentHashMap<>();

    private Nizhal nizhal;

    /**
     * @param tag keeps the keys of runs with the same seed on one database apart
     * @param afterMigrate runs once the engine has installed its capture (e.g. to break a trigger)
     */
    OracleRun(
            TestDatabase db,
            long seed,
            String tag,
            PullDefect defect,
            int operations,
            boolean checkCoverage,
            Consumer<Jdbi> afterMigrate) {
        this.db = db;
        this.jdbi = db.jdbi();
        this.seed = seed;
        this.random = new Random(seed);
        this.defect = defect;
        // the runs of even seeds without a known defect, and those of the defects that mistake a cut page or window for
        // the whole, cut responses (load pages and windows' changed rows) at up to 400 bytes of rows, so at every row
        // to every few rows (the bound drawn apart from the run's own draws, which stay as they were for a seed)
        boolean bounded = defect == PullDefect.NONE
                ? (seed & 1) == 0
                : defect == PullDefect.LOAD_CUT_AS_END || defect == PullDefect.WINDOW_CUT_AS_END;
        this.rowBytes = bounded ? 1 + new Random(seed ^ 0x6c6f6164L).nextInt(400) : 0;
        this.operations = operations;
        this.checkCoverage = checkCoverage;
        this.afterMigrate = afterMigrate;
        this.prefix = tag + "s" + Long.toHexString(seed).replace("-", "m") + "-";
    }

    Map<String, AtomicLong> counters() {
        return counters;
    }

    /** The bound on the rows of a response in this run; 0 for the engine's own. */
    long rowBytes() {
        return rowBytes;
    }

    /** The most turns the clients get after the writers, for the events of their own choices. */
    private static final int EXTRA_ACTS = 5_000;

    private boolean clientEventsCovered() {
        return List.of("lost", "staleRefused", "filterChanged", "reset").stream()
                .allMatch(
                        event -> counters.getOrDefault(event, new AtomicLong()).get() > 0);
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    private String actor(int i) {
        return prefix + ACTORS.get(i);
    }

    private long list(int i) {
        return listBase + i;
    }

    void execute() throws Exception {
        nizhal = SeedDatabase.engine(db, RULES, this::checkNoLeak, defect, rowBytes);
        afterMigrate.accept(jdbi);
        StringBuilder setup = new StringBuilder();
        for (int i = 0; i < LISTS; i++) {
            setup.append("insert into lists(id, name) values (").append(list(i)).append(", 'list');");
        }
        setup.append("insert into list_members values (")
                .append(list(0))
                .append(", '")
                .append(actor(0))
                .append("');");
        SeedDatabase.sql(db, setup.toString());

        List<OracleClient> clients = new ArrayList<>();
        clients.add(new OracleClient(actor(0), "myNotes", false));
        clients.add(new OracleClient(actor(1), "myNotes", false));
        clients.add(new OracleClient(actor(3), "myNotes", false)); // often an empty bucket
        clients.add(new OracleClient(actor(0), "sharedLists", false));
        clients.add(new OracleClient(actor(1), "sharedLists", true));
        clients.add(new OracleClient(actor(2), "sharedLists", true));

        AtomicInteger done = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Random writerRandom = new Random(seed * 31 + w);
                futures.add(writers.submit(() -> {
                    while (!stop.get() && done.get() < operations) {
                        write(writerRandom, done);
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            while (futures.stream().anyMatch(f -> !f.isDone())) {
                OracleClient client = clients.get(random.nextInt(clients.size()));
                client.act(random);
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new OracleViolation(
                            Check.WRITES,
                            new AssertionError(
                                    "a write failed unexpectedly, SQLSTATE " + sqlState(e.getCause()), e.getCause()));
                }
            }
            // how many times the clients acted while the writers wrote depends on the machine's timing; the events
            // only a client's own choices make (a lost response, a stale one refused, a filter changed, a damaged
            // cursor) are given more turns until each happened, so that the coverage check below fails on a path
            // that no longer runs, not on a short run
            for (int extra = 0; checkCoverage && extra < EXTRA_ACTS && !clientEventsCovered(); extra++) {
                OracleClient client = clients.get(random.nextInt(clients.size()));
                client.act(random);
            }
        } finally {
            stop.set(true); // a failed check stops the writers too
            writers.shutdown();
            assertThat(writers.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
        int ceiling = Math.max(5, operations / 20);
        verify(
                Check.WRITES,
                () -> assertThat(writeFailures.get())
                        .as("writes that failed with an expected SQLSTATE, at most %d (%s)", ceiling, counters)
                        .isLessThanOrEqualTo(ceiling));

        for (OracleClient client : clients) {
            client.converge();
        }
        if (!checkCoverage) {
            return;
        }
        for (String event : List.of(
                "pull",
                "paged",
                "lost",
                "staleRefused",
                "loaded",
                "revoked",
                "filterChanged",
                "reset",
                "move",
                "keyChange",
                "publishedFlip",
                "grant",
                "revoke",
                "bulk",
                "delete",
                "reinsert",
                "longTransaction",
                "fresh",
                "rollback")) {
            verify(
                    Check.COVERAGE,
                    () -> assertThat(counters.getOrDefault(event, new AtomicLong())
                                    .get())
                            .as("event %s happened in this run", event)
                            .isPositive());
        }
    }

    // --- writers

    /**
     * One transaction. Its events are counted once it committed; a failure other than the expected ones (a deadlock
     * between writers, a serialization failure) fails the run.
     */
    private void write(Random r, AtomicInteger done) {
        List<String> events = new ArrayList<>();
        List<String> deletedKeys = new ArrayList<>();
        try (Handle h = jdbi.open()) {
            h.begin();
            writeOne(h, r, r.nextInt(100), events, deletedKeys);
            boolean longTransaction = false;
            if (r.nextInt(25) == 0) {
                // a long transaction: hold it open while other writers commit and clients pull (at most half
                // of the writers at once, so that the others keep committing)
                if (longTransactions.incrementAndGet() <= WRITERS / 2) {
                    longTransaction = true;
                    // it commits last: a pull that pages past it must not lose it (P3), and a fresh key shows a loss
                    insertFresh(h, r, events);
                    int until = Math.min(operations, done.get() + 20);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (!stop.get() && done.get() < until && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(200_000); // poll, do not spin
                    }
                }
                longTransactions.decrementAndGet();
            }
            if (r.nextInt(30) == 0) {
                h.rollback();
                count("rollback");
                return;
            }
            h.commit();
            events.forEach(this::count);
            deleted.addAll(deletedKeys);
            if (longTransaction) {
                count("longTransaction");
            }
        } catch (RuntimeException e) {
            String state = sqlState(e);
            if (state == null || !EXPECTED_WRITE_FAILURES.contains(state)) {
                throw e;
            }
            count("writeFailed." + state);
            writeFailures.incrementAndGet();
        }
    }

    /** The SQLSTATE in {@code e}'s cause chain, or null. */
    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return s.getSQLState();
            }
        }
        return null;
    }

    private void writeOne(Handle h, Random r, int kind, List<String> events, List<String> deletedKeys) {
        String note = prefix + "n" + r.nextInt(40);
        String todo = prefix + "t" + r.nextInt(60);
        String owner = r.nextInt(10) == 0 ? prefix + "nobody" : actor(r.nextInt(ACTORS.size()));
        long list = list(r.nextInt(LISTS));
        if (r.nextInt(10) == 0) {
            insertFresh(h, r, events);
            return;
        }
        if (kind < 12) {
            int n = h.createUpdate("insert into notes(id, owner_id, body, published) values (:id, :o, 'b', :p)"
                            + " on conflict do nothing")
                    .bind("id", note)
                    .bind("o", owner)
                    .bind("p", r.nextInt(5) != 0)
                    .execute();
            if (n == 1 && wasDeleted(note)) {
                events.add("reinsert");
            }
        } else if (kind < 20) {
            h.createUpdate("update notes set body = :b where id = :id")
                    .bind("b", "b" + r.nextInt(1000))
                    .bind("id", note)
                    .execute();
        } else if (kind < 26) {
            if (h.createUpdate("update notes set owner_id = :o where id = :id")
                            .bind("o", owner)
                            .bind("id", note)
                            .execute()
                    > 0) {
                events.add("move");
            }
        } else if (kind < 31) {
            if (h.createUpdate("update notes set published = not published where id = :id")
                            .bind("id", note)
                            .execute()
                    > 0) {
                events.add("publishedFlip");
            }
        } else if (kind < 35) {
            h.execute("savepoint k");
            try {
                if (h.createUpdate("update notes set id = :new where id = :id")
                                .bind("new", prefix + "n" + r.nextInt(40))
                                .bind("id", note)
                                .execute()
                        > 0) {
                    events.add("keyChange");
                }
            } catch (RuntimeException e) {
                if (!UNIQUE_VIOLATION.equals(sqlState(e))) {
                    throw e; // a deadlock or anything else fails the whole transaction
                }
                h.execute("rollback to savepoint k"); // the new key is taken
            }
        } else if (kind < 41) {
            if (h.createUpdate("delete from notes where id = :id")
                            .bind("id", note)
                            .execute()
                    > 0) {
                deletedKeys.add(note);
                events.add("delete");
            }
        } else if (kind < 53) {
            int n = h.createUpdate("insert into todos(id, list_id, title) values (:id, :l, 't') on conflict do nothing")
                    .bind("id", todo)
                    .bind("l", list)
                    .execute();
            if (n == 1 && wasDeleted(todo)) {
                events.add("reinsert");
            }
        } else if (kind < 60) {
            h.createUpdate("update todos set done = not done, title = :t where id = :id")
                    .bind("t", "t" + r.nextInt(1000))
                    .bind("id", todo)
                    .execute();
        } else if (kind < 67) {
            if (h.createUpdate("update todos set list_id = :l where id = :id")
                            .bind("l", list)
                            .bind("id", todo)
                            .execute()
                    > 0) {
                events.add("move");
            }
        } else if (kind < 71) {
            h.execute("savepoint k");
            try {
                if (h.createUpdate("update todos set id = :new where id = :id")
                                .bind("new", prefix + "t" + r.nextInt(60))
                                .bind("id", todo)
                                .execute()
                        > 0) {
                    events.add("keyChange");
                }
            } catch (RuntimeException e) {
                if (!UNIQUE_VIOLATION.equals(sqlState(e))) {
                    throw e; // a deadlock or anything else fails the whole transaction
                }
                h.execute("rollback to savepoint k"); // the new key is taken
            }
        } else if (kind < 76) {
            if (h.createUpdate("delete from todos where id = :id")
                            .bind("id", todo)
                            .execute()
                    > 0) {
                deletedKeys.add(todo);
                events.add("delete");
            }
        } else if (kind < 80) {
            h.createUpdate("update lists set name = :n where id = :id")
                    .bind("n", "l" + r.nextInt(1000))
                    .bind("id", list)
                    .execute();
        } else if (kind < 87) {
            if (h.createUpdate("insert into list_members values (:l, :u) on conflict do nothing")
                            .bind("l", list)
                            .bind("u", actor(r.nextInt(ACTORS.size())))
                            .execute()
                    > 0) {
                events.add("grant");
            }
        } else if (kind < 92) {
            if (h.createUpdate("delete from list_members where list_id = :l and user_id = :u")
                            .bind("l", list)
                            .bind("u", actor(r.nextInt(ACTORS.size())))
                            .execute()
                    > 0) {
                events.add("revoke");
            }
        } else {
            // bulk statements: many keys and buckets in one statement
            events.add("bulk");
            switch (r.nextInt(4)) {
                case 0 ->
                    h.createUpdate("update todos set done = :d where list_id = :l")
                            .bind("d", r.nextBoolean())
                            .bind("l", list)
                            .execute();
                case 1 ->
                    h.createUpdate("update notes set body = body || '.' where owner_id = :o")
                            .bind("o", owner)
                            .execute();
                case 2 -> {
                    StringBuilder values = new StringBuilder();
                    for (int i = 0; i < 5; i++) {
                        values.append(i == 0 ? "" : ", ")
                                .append("('")
                                .append(prefix)
                                .append("t")
                                .append(r.nextInt(60))
                                .append("', ")
                                .append(list(r.nextInt(LISTS)))
                                .append(", 'bulk')");
                    }
                    h.execute("insert into todos(id, list_id, title) values " + values + " on conflict do nothing");
                }
                default ->
                    h.createUpdate("update notes set owner_id = :to where owner_id = :from")
                            .bind("to", actor(r.nextInt(ACTORS.size())))
                            .bind("from", owner)
                            .execute();
            }
        }
    }

    /** Inserts a key nobody else writes by key: were the insert lost, no later change to its key would hide it. */
    private void insertFresh(Handle h, Random r, List<String> events) {
        String fresh = prefix + "f" + freshKeys.incrementAndGet();
        if (r.nextBoolean()) {
            h.createUpdate("insert into notes(id, owner_id, body) values (:id, :o, 'fresh')")
                    .bind("id", fresh)
                    .bind("o", actor(r.nextInt(ACTORS.size())))
                    .execute();
        } else {
            h.createUpdate("insert into todos(id, list_id, title) values (:id, :l, 'fresh')")
                    .bind("id", fresh)
                    .bind("l", list(r.nextInt(LISTS)))
                    .execute();
        }
        events.add("fresh");
    }

    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger longTransactions = new AtomicInteger();
    private final AtomicInteger freshKeys = new AtomicInteger();

    private boolean wasDeleted(String key) {
        return deleted.contains(key);
    }

    // --- P2, inside each pull's transaction

    private void checkNoLeak(Tx tx, Actor actor, PullRequest request, PullResponse response) {
        Handle h = tx.handle(Handle.class);
        Set<String> granted = grants(h, request.syncRule(), actor.id());
        verify(
                Check.P2_SERVED_GRANTED,
                () -> assertThat(granted).as("served buckets are granted").containsAll(response.buckets()));
        boolean heldCounts = !response.reset() && request.cursor() != null;
        Map<String, String> began = heldCounts ? loadsBegan.getOrDefault(request.cursor(), Map.of()) : Map.of();
        // the read set only grows during a request: held and served, plus every load it had (still loading, or
        // completed in it)
        Set<String> readSet = new TreeSet<>(response.loadingBuckets());
        readSet.addAll(response.loadedBuckets());
        if (heldCounts) {
            request.held().stream().filter(response.buckets()::contains).forEach(readSet::add);
        }
        // the buckets the client held or was loading before this request: their rows stay on the client, so a
        // delete of one is a loss (a load that begins in this request may follow a delete read from the window that
        // the request drained first, before the load began; that load sends the row itself)
        Set<String> kept = new TreeSet<>();
        if (heldCounts) {
            request.held().stream().filter(response.buckets()::contains).forEach(kept::add);
        }
        began.keySet().stream().filter(readSet::contains).forEach(kept::add);
        for (var change : response.changes()) {
            switch (change) {
                case Upsert u -> {
                    // the row as the pull's own snapshot has it, not the response's copy of it
                    Map<String, String> stored = storedRow(h, u.collection(), u.key());
                    verify(
                            Check.P2_UPSERT_IS_THE_STORED_ROW,
                            () -> assertThat(texts(u.row()))
                                    .as("upsert %s/%s equals its row read again by key", u.collection(), u.key())
                                    .isEqualTo(stored));
                    String bucket = bucketOf(u.collection(), stored);
                    verify(
                            Check.P2_UPSERT_GRANTED,
                            () -> assertThat(granted)
                                    .as("upsert %s is in a bucket granted to %s", u, actor.id())
                                    .contains(bucket));
                    verify(
                            Check.P2_UPSERT_BUCKETS,
                            () -> assertThat(u.buckets()).as("buckets of %s", u).containsExactly(bucket));
                    verify(
                            Check.P2_UPSERT_IN_READ_SET,
                            () -> assertThat(readSet)
                                    .as("upsert %s names only buckets of the read set", u)
                                    .containsAll(u.buckets()));
                }
                case Delete d -> {
                    String rowBucket = bucketOf(d.collection(), storedRow(h, d.collection(), d.key()));
                    if (rowBucket != null && readSet.contains(rowBucket) && !kept.contains(rowBucket)) {
                        count("deleteBeforeLoad"); // allowed: read from a drained window before its load began
                    }
                    verify(
                            Check.P1_KEPT_ROW_NOT_DELETED,
                            () -> assertThat(rowBucket)
                                    .as(
                                            "delete %s names a key whose row (in %s) is in no bucket the client held"
                                                    + " or was loading before this response %s",
                                            d, rowBucket, kept)
                                    .isNotIn(kept));
                    List<String> buckets = new ArrayList<>();
                    List<String> snapshots = new ArrayList<>();
                    began.forEach((bucket, snapshot) -> {
                        if (response.buckets().contains(bucket)) {
                            buckets.add(bucket);
                            snapshots.add(snapshot);
                        }
                    });
                    boolean logged = h.createQuery("select exists(select 1 from nizhal.change_log l"
                                    + " join unnest(cast(:b as text[]), cast(:s as text[])) as w(bucket, snap)"
                                    + " on l.bucket = w.bucket"
                                    + " where l.tbl = :t and :k = any(l.pks)"
                                    + " and not pg_visible_in_snapshot(l.txid, cast(w.snap as pg_snapshot)))")
                            .bind("t", d.collection())
                            .bind("k", d.key())
                            .bindArray("b", String.class, buckets)
                            .bindArray("s", String.class, snapshots)
                            .mapTo(Boolean.class)
                            .one();
                    verify(
                            Check.P2_DELETE_LOGGED_AFTER_LOAD,
                            () -> assertThat(logged)
                                    .as("delete %s names a key logged under one of %s after its load began", d, buckets)
                                    .isTrue());
                }
            }
        }
        // the loads this response began, for the deletes of the responses that follow it
        Map<String, String> after = new HashMap<>(began);
        response.revokedBuckets().forEach(after::remove);
        String snapshot = h.createQuery("select cast(pg_current_snapshot() as text)")
                .mapTo(String.class)
                .one();
        response.loadingBuckets().forEach(b -> after.putIfAbsent(b, snapshot));
        response.loadedBuckets().forEach(b -> after.putIfAbsent(b, snapshot));
        loadsBegan.put(response.cursor(), after);
    }

    private static Set<String> grants(Handle h, String rule, String actor) {
        if (rule.equals("myNotes")) {
            return Set.of("myNotes[" + quote(actor) + "]");
        }
        return new TreeSet<>(
                h.createQuery("select 'sharedLists[' || list_id || ']' from list_members where user_id = :u")
                        .bind("u", actor)
                        .mapTo(String.class)
                        .list());
    }

    /** The synced columns of the row with this key, as text; null when there is none. */
    private static Map<String, String> storedRow(Handle h, String collection, String key) {
        String sql = switch (collection) {
            case "notes" -> "select id, owner_id, body, published, version from notes where id = :k";
            case "lists" -> "select id, name, version from lists where cast(id as text) = :k";
            case "todos" -> "select id, list_id, title, done, version from todos where id = :k";
            default -> throw new AssertionError("no collection " + collection);
        };
        return h.createQuery(sql)
                .bind("k", key)
                .mapToMap()
                .findOne()
                .map(OracleRun::texts)
                .orElse(null);
    }

    private static Map<String, String> texts(Map<String, Object> row) {
        Map<String, String> out = new TreeMap<>();
        row.forEach((c, x) -> out.put(c, x == null ? null : String.valueOf(x)));
        return out;
    }

    /** The one bucket a stored row is in, or null. */
    private static String bucketOf(String collection, Map<String, String> row) {
        if (row == null) {
            return null;
        }
        return switch (collection) {
            case "notes" ->
                "true".equals(row.get("published")) && row.get("owner_id") != null
                        ? "myNotes[" + quote(row.get("owner_id")) + "]"
                        : null;
            case "lists" -> "sharedLists[" + row.get("id") + "]";
            case "todos" -> row.get("list_id") == null ? null : "sharedLists[" + row.get("list_id") + "]";
            default -> null;
        };
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** A client that pulls at random moments, loses and re-applies responses, and changes its filter. */
    private final class OracleClient {
        private final String actor;
        private final String rule;
        private final boolean filters;
        private final SyncTestClient client;
        private final Map<String, Long> versions = new HashMap<>();
        private PullResponse stale;
        private String staleCursor;

        OracleClient(String actor, String rule, boolean filters) {
            this.actor = actor;
            this.rule = rule;
            this.filters = filters;
            this.client = new SyncTestClient(nizhal, Actor.of(actor), "c-" + actor + "-" + rule, rule);
        }

        void act(Random r) {
            int what = r.nextInt(100);
            if (what < 8 && stale != null) {
                PullResponse refused = stale;
                verify(
                        Check.STALE_REFUSED,
                        () -> assertThat(client.apply(staleCursor, refused))
                                .as("a stale response is refused")
                                .isFalse());
                count("staleRefused");
                stale = null;
                return;
            }
            if (what < 16) {
                // a lost response: the client never sees it and pulls again with the same cursor
                staleCursor = client.cursor();
                stale = client.fetch(1 + r.nextInt(5));
                count("lost");
            }
            if (filters && what >= 16 && what < 22) {
                changeFilter(r);
            }
            if (what == 99 && client.cursor() != null) {
                resetByCorruption();
                return;
            }
            pull(1 + r.nextInt(5));
        }

        private void changeFilter(Random r) {
            if (r.nextInt(4) == 0) {
                client.filter(null);
            } else {
                List<String> wanted = new ArrayList<>();
                for (int i = 0; i < LISTS; i++) {
                    if (r.nextBoolean()) {
                        wanted.add("{\"listId\": " + list(i) + "}");
                    }
                }
                client.filter("[" + String.join(", ", wanted) + "]");
            }
            count("filterChanged");
        }

        /** The client's stored cursor is damaged: the server answers reset and the client resyncs. */
        private void resetByCorruption() {
            client.corruptCursor();
            PullResponse response = pull(5);
            verify(
                    Check.RESET,
                    () -> assertThat(response.reset())
                            .as("a damaged cursor is answered reset")
                            .isTrue());
            count("reset");
        }

        private PullResponse pull(int limit) {
            String sent = client.cursor();
            PullResponse response = client.fetch(limit);
            checkMonotonic(response);
            verify(
                    Check.CLIENT,
                    () -> assertThat(client.apply(sent, response))
                            .as("a fresh response applies")
                            .isTrue());
            count("pull");
            if (response.hasMore()) {
                count("paged");
            }
            if (!response.loadedBuckets().isEmpty()) {
                count("loaded");
            }
            if (!response.revokedBuckets().isEmpty()) {
                count("revoked");
            }
            if (response.reset()) {
                versions.clear();
            }
            return response;
        }

        /** P5: a key's version never goes down across applied responses. */
        private void checkMonotonic(PullResponse response) {
            for (var change : response.changes()) {
                if (change instanceof Upsert u) {
                    long version = ((Number) u.row().get("version")).longValue();
                    String key = u.collection() + "/" + u.key();
                    Long before = versions.get(key);
                    verify(
                            Check.P5_MONOTONIC,
                            () -> assertThat(before == null ? Long.MIN_VALUE : before)
                                    .as("version of %s never goes back", key)
                                    .isLessThanOrEqualTo(version));
                    versions.put(key, version);
                }
            }
        }

        /**
         * P1: after the writers stop, the client's rows equal the oracle's, column for column. A run whose responses'
         * rows are bound (a few bytes: about one row a response) may need more pulls to catch up than one of the
         * engine's own bound, never endless ones.
         */
        void converge() {
            int maxPulls = rowBytes > 0 ? 10_000 : 1_000;
            for (int i = 0; i < maxPulls; i++) {
                if (!pull(5).hasMore()) {
                    break;
                }
                int pulls = i;
                verify(
                        Check.P1_CONVERGES,
                        () -> assertThat(pulls)
                                .as("pulls until hasMore is false")
                                .isLessThan(maxPulls - 1));
            }
            Handle h = jdbi.open();
            try (h) {
                Set<String> granted = rule.equals("myNotes")
                        ? Set.of("myNotes[" + quote(actor) + "]")
                        : new TreeSet<>(h.createQuery("select 'sharedLists[' || list_id || ']'"
                                        + " from list_members where user_id = :u")
                                .bind("u", actor)
                                .mapTo(String.class)
                                .list());
                Set<String> served = new TreeSet<>(granted);
                if (client.filter() != null) {
                    served.retainAll(requested(client.filter()));
                }
                verify(
                        Check.P1_HELD_EQUALS_SERVED,
                        () -> assertThat(client.held())
                                .as("held equals served for %s", actor)
                                .isEqualTo(served));
                if (rule.equals("myNotes")) {
                    Map<String, Map<String, String>> expected = oracle(
                            h,
                            "select id, owner_id, body, published, version from notes"
                                    + " where owner_id = :a and published",
                            actor);
                    verify(
                            Check.P1_ROWS,
                            () -> assertThat(normalize(client.rows("notes")))
                                    .as("notes of %s", actor)
                                    .isEqualTo(expected));
                } else {
                    List<Long> lists = served.stream()
                            .map(b -> Long.parseLong(b.substring("sharedLists[".length(), b.length() - 1)))
                            .toList();
                    Map<String, Map<String, String>> expectedLists =
                            oracleIn(h, "select id, name, version from lists where id = any(:ids)", lists);
                    Map<String, Map<String, String>> expectedTodos = oracleIn(
                            h, "select id, list_id, title, done, version from todos where list_id = any(:ids)", lists);
                    verify(Check.P1_ROWS, () -> {
                        assertThat(normalize(client.rows("lists")))
                                .as("lists of %s", actor)
                                .isEqualTo(expectedLists);
                        assertThat(normalize(client.rows("todos")))
                                .as("todos of %s", actor)
                                .isEqualTo(expectedTodos);
                    });
                }
            }
        }

        private Set<String> requested(String filterJson) {
            Set<String> out = new TreeSet<>();
            for (int i = 0; i < LISTS; i++) {
                if (filterJson.contains("{\"listId\": " + list(i) + "}")) {
                    out.add("sharedLists[" + list(i) + "]");
                }
            }
            return out;
        }
    }

    private static Map<String, Map<String, String>> normalize(Map<String, Map<String, Object>> rows) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        rows.forEach((k, v) -> {
            Map<String, String> values = new TreeMap<>();
            v.forEach((c, x) -> values.put(c, String.valueOf(x)));
            out.put(k, values);
        });
        return out;
    }

    private static Map<String, Map<String, String>> oracle(Handle h, String sql, String actor) {
        return toRows(h.createQuery(sql).bind("a", actor).mapToMap().list());
    }

    private static Map<String, Map<String, String>> oracleIn(Handle h, String sql, List<Long> ids) {
        return toRows(
                h.createQuery(sql).bindArray("ids", Long.class, ids).mapToMap().list());
    }

    private static Map<String, Map<String, String>> toRows(List<Map<String, Object>> rows) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Map<String, Object> row : rows) {
            Map<String, String> values = new TreeMap<>();
            row.forEach((c, x) -> values.put(c, String.valueOf(x)));
            out.put(String.valueOf(row.get("id")), values);
        }
        return out;
    }
}
