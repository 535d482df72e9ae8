package dev.nizhal.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The randomized oracle of TESTING.md: concurrent writers doing every kind of change with plain SQL, clients that
 * behave like real ones (compare-and-set, lost and stale responses, filter changes), and checks of P2 inside each
 * pull's transaction, P5 on every applied response, and P1 after the writers stop. Every run prints its seed; rerun
 * one with {@code -Dnizhal.test.seed=N}.
 */
@ExtendWith(PostgresExtension.class)
class RandomizedOracleIT {
    private static final int OPERATIONS = Integer.getInteger("nizhal.test.oracleOperations", 2_000);
    private static final int WRITERS = 4;
    private static final List<String> ACTORS = List.of("u0", "u1", "u2", "u3");
    private static final int LISTS = 8;

    private static TestDatabase db;

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

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        SeedDatabase.sql(db, SCHEMA);
    }

    static Stream<Long> seeds() {
        Long fixed = Long.getLong("nizhal.test.seed");
        if (fixed != null) {
            return Stream.of(fixed);
        }
        return Stream.of(1L, 2L, 3L, 4L, 5L, new Random().nextLong());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void clientsConvergeNeverSeeALeakAndNeverGoBackInTime(long seed) throws Exception {
        Run run = new Run(seed);
        try {
            run.execute();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(
                    "randomized oracle failed with seed " + seed + " (rerun: -Dnizhal.test.seed=" + seed
                            + "); counters " + run.counters,
                    e);
        }
        System.out.println("oracle seed " + seed + ": " + run.counters);
    }

    /** One seeded run on a fresh data set. */
    private static final class Run {
        private final long seed;
        private final Random random;
        private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
        private final Jdbi jdbi = db.jdbi();
        private final String prefix;
        private Nizhal nizhal;

        Run(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.prefix = "s" + Long.toHexString(seed).replace("-", "m") + "-";
        }

        private void count(String what) {
            counters.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
        }

        private String actor(int i) {
            return prefix + ACTORS.get(i);
        }

        private long list(int i) {
            return Math.abs(seed % 100_000) * 100 + i;
        }

        void execute() throws Exception {
            nizhal = SeedDatabase.engine(db, RULES, this::checkNoLeak, PullDefect.NONE);
            StringBuilder setup = new StringBuilder();
            for (int i = 0; i < LISTS; i++) {
                setup.append("insert into lists(id, name) values (")
                        .append(list(i))
                        .append(", 'list');");
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
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Random writerRandom = new Random(seed * 31 + w);
                futures.add(writers.submit(() -> {
                    while (done.get() < OPERATIONS) {
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
                f.get(); // surfaces a writer's unexpected failure
            }
            writers.shutdown();
            assertThat(writers.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

            for (OracleClient client : clients) {
                client.converge();
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
                    "rollback")) {
                assertThat(counters.getOrDefault(event, new AtomicLong()).get())
                        .as("event %s happened in this run", event)
                        .isPositive();
            }
        }

        // --- writers

        private void write(Random r, AtomicInteger done) {
            try (Handle h = jdbi.open()) {
                h.begin();
                int kind = r.nextInt(100);
                writeOne(h, r, kind);
                if (r.nextInt(25) == 0) {
                    // a long transaction: hold it open while other writers commit and clients pull (at most half
                    // of the writers at once, so that the others keep committing)
                    if (longTransactions.incrementAndGet() <= WRITERS / 2) {
                        count("longTransaction");
                        int until = Math.min(OPERATIONS, done.get() + 20);
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (done.get() < until && System.nanoTime() < deadline) {
                            java.util.concurrent.locks.LockSupport.parkNanos(200_000); // poll, do not spin
                        }
                    }
                    longTransactions.decrementAndGet();
                }
                if (r.nextInt(30) == 0) {
                    h.rollback();
                    count("rollback");
                } else {
                    h.commit();
                }
            } catch (RuntimeException e) {
                // unique violations of random keys, deadlocks between writers: the transaction is rolled back
                count("writeFailed");
            }
        }

        private void writeOne(Handle h, Random r, int kind) {
            String note = prefix + "n" + r.nextInt(40);
            String todo = prefix + "t" + r.nextInt(60);
            String owner = r.nextInt(10) == 0 ? prefix + "nobody" : actor(r.nextInt(ACTORS.size()));
            long list = list(r.nextInt(LISTS));
            if (kind < 12) {
                int n = h.createUpdate("insert into notes(id, owner_id, body, published) values (:id, :o, 'b', :p)"
                                + " on conflict do nothing")
                        .bind("id", note)
                        .bind("o", owner)
                        .bind("p", r.nextInt(5) != 0)
                        .execute();
                if (n == 1 && wasDeleted(note)) {
                    count("reinsert");
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
                    count("move");
                }
            } else if (kind < 31) {
                if (h.createUpdate("update notes set published = not published where id = :id")
                                .bind("id", note)
                                .execute()
                        > 0) {
                    count("publishedFlip");
                }
            } else if (kind < 35) {
                h.execute("savepoint k");
                try {
                    if (h.createUpdate("update notes set id = :new where id = :id")
                                    .bind("new", prefix + "n" + r.nextInt(40))
                                    .bind("id", note)
                                    .execute()
                            > 0) {
                        count("keyChange");
                    }
                } catch (RuntimeException e) {
                    h.execute("rollback to savepoint k");
                }
            } else if (kind < 41) {
                if (h.createUpdate("delete from notes where id = :id")
                                .bind("id", note)
                                .execute()
                        > 0) {
                    deleted.add(note);
                    count("delete");
                }
            } else if (kind < 53) {
                int n = h.createUpdate(
                                "insert into todos(id, list_id, title) values (:id, :l, 't') on conflict do nothing")
                        .bind("id", todo)
                        .bind("l", list)
                        .execute();
                if (n == 1 && wasDeleted(todo)) {
                    count("reinsert");
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
                    count("move");
                }
            } else if (kind < 71) {
                h.execute("savepoint k");
                try {
                    if (h.createUpdate("update todos set id = :new where id = :id")
                                    .bind("new", prefix + "t" + r.nextInt(60))
                                    .bind("id", todo)
                                    .execute()
                            > 0) {
                        count("keyChange");
                    }
                } catch (RuntimeException e) {
                    h.execute("rollback to savepoint k");
                }
            } else if (kind < 76) {
                if (h.createUpdate("delete from todos where id = :id")
                                .bind("id", todo)
                                .execute()
                        > 0) {
                    deleted.add(todo);
                    count("delete");
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
                    count("grant");
                }
            } else if (kind < 92) {
                if (h.createUpdate("delete from list_members where list_id = :l and user_id = :u")
                                .bind("l", list)
                                .bind("u", actor(r.nextInt(ACTORS.size())))
                                .execute()
                        > 0) {
                    count("revoke");
                }
            } else {
                // bulk statements: many keys and buckets in one statement
                count("bulk");
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

        private final Set<String> deleted = ConcurrentHashMap.newKeySet();
        private final AtomicInteger longTransactions = new AtomicInteger();

        private boolean wasDeleted(String key) {
            return deleted.contains(key);
        }

        // --- P2, inside each pull's transaction

        private void checkNoLeak(Tx tx, Actor actor, PullRequest request, PullResponse response) {
            Handle h = tx.handle(Handle.class);
            Set<String> granted = request.syncRule().equals("myNotes")
                    ? Set.of("myNotes[" + quote(actor.id()) + "]")
                    : new TreeSet<>(h.createQuery(
                                    "select 'sharedLists[' || list_id || ']' from list_members" + " where user_id = :u")
                            .bind("u", actor.id())
                            .mapTo(String.class)
                            .list());
            assertThat(granted).as("served buckets are granted").containsAll(response.buckets());
            for (var change : response.changes()) {
                switch (change) {
                    case Upsert u -> {
                        String bucket = expectedBucket(request.syncRule(), u);
                        assertThat(bucket)
                                .as("upsert %s is in a bucket of the actor", u)
                                .isNotNull();
                        assertThat(granted).as("upsert %s is granted", u).contains(bucket);
                        assertThat(u.buckets()).as("buckets of %s", u).containsExactly(bucket);
                    }
                    case Delete d -> {
                        boolean logged = h.createQuery("select exists(select 1 from nizhal.change_log"
                                        + " where tbl = :t and :k = any(pks) and bucket = any(:b))")
                                .bind("t", d.collection())
                                .bind("k", d.key())
                                .bindArray("b", String.class, List.copyOf(granted))
                                .mapTo(Boolean.class)
                                .one();
                        assertThat(logged)
                                .as("delete %s names a key logged under a granted bucket", d)
                                .isTrue();
                    }
                }
            }
        }

        private static String expectedBucket(String rule, Upsert u) {
            Map<String, Object> row = u.row();
            return switch (u.collection()) {
                case "notes" ->
                    Boolean.TRUE.equals(row.get("published")) && row.get("owner_id") != null
                            ? "myNotes[" + quote((String) row.get("owner_id")) + "]"
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
                    assertThat(client.apply(staleCursor, stale))
                            .as("a stale response is refused")
                            .isFalse();
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
                assertThat(pull(5).reset()).isTrue();
                count("reset");
            }

            private PullResponse pull(int limit) {
                String sent = client.cursor();
                PullResponse response = client.fetch(limit);
                checkMonotonic(response);
                assertThat(client.apply(sent, response)).isTrue();
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
                        assertThat(before == null ? Long.MIN_VALUE : before)
                                .as("version of %s never goes back", key)
                                .isLessThanOrEqualTo(version);
                        versions.put(key, version);
                    }
                }
            }

            /** P1: after the writers stop, the client's rows equal the oracle's, column for column. */
            void converge() {
                for (int i = 0; i < 1_000; i++) {
                    if (!pull(5).hasMore()) {
                        break;
                    }
                    assertThat(i).as("converges").isLessThan(999);
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
                    assertThat(client.held())
                            .as("held equals served for %s", actor)
                            .isEqualTo(served);
                    if (rule.equals("myNotes")) {
                        assertThat(normalize(client.rows("notes")))
                                .as("notes of %s", actor)
                                .isEqualTo(oracle(
                                        h,
                                        "select id, owner_id, body, published, version from notes"
                                                + " where owner_id = :a and published",
                                        actor));
                    } else {
                        List<Long> lists = served.stream()
                                .map(b -> Long.parseLong(b.substring("sharedLists[".length(), b.length() - 1)))
                                .toList();
                        assertThat(normalize(client.rows("lists")))
                                .as("lists of %s", actor)
                                .isEqualTo(
                                        oracleIn(h, "select id, name, version from lists where id = any(:ids)", lists));
                        assertThat(normalize(client.rows("todos")))
                                .as("todos of %s", actor)
                                .isEqualTo(oracleIn(
                                        h,
                                        "select id, list_id, title, done, version from todos where list_id = any(:ids)",
                                        lists));
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
            return toRows(h.createQuery(sql)
                    .bindArray("ids", Long.class, ids)
                    .mapToMap()
                    .list());
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
}
