package dev.nizhal.adapters.jdbi;

import static dev.nizhal.adapters.jdbi.LoggedChange.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Installation;
import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Regenerated;
import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Unchanged;
import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Installing, re-installing, regenerating and uninstalling the capture triggers. */
@ExtendWith(PostgresExtension.class)
class CaptureInstallIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static Jdbi jdbi;
    private static JdbiCaptureTriggers triggers;

    @BeforeAll
    static void createTables(TestDatabase database) {
        jdbi = database.jdbi();
        triggers = new JdbiCaptureTriggers(database.dataSource());
        jdbi.useHandle(h -> h.createScript("""
                        create table notes(id text primary key, body text, owner_id text);
                        create table tags(id int4 primary key, owner_id text, label text);
                        """).execute());
    }

    @BeforeEach
    void installTheFirstRules() {
        triggers.install(compile(rules("id", "body", "owner_id")));
        jdbi.useHandle(h -> h.createScript("truncate notes, tags; truncate nizhal.change_log")
                .execute());
    }

    @Test
    void installingTheSamePlanAgainRunsNoDdl() {
        List<Long> triggerOids = captureTriggerOids();
        List<Long> functionOids = captureFunctionOids();

        Installation second = triggers.install(compile(rules("id", "body", "owner_id")));

        assertThat(second).isInstanceOf(Unchanged.class);
        assertThat(second.relations()).extracting(Object::toString).containsExactly("notes", "tags");
        assertThat(captureTriggerOids()).hasSize(8).isEqualTo(triggerOids);
        assertThat(captureFunctionOids()).hasSize(2).isEqualTo(functionOids);
    }

    @Test
    void changedRulesRegenerateEveryTriggerAndStoreThePlanHash() {
        List<Long> before = captureTriggerOids();
        CompiledRules changed = compile(rules("id", "owner_id")); // another column allowlist: another plan

        Installation installation = triggers.install(changed);

        assertThat(installation).isInstanceOf(Regenerated.class);
        assertThat(installation.planHash()).isEqualTo(changed.planHash());
        assertThat(storedPlanHash()).isEqualTo(changed.planHash());
        assertThat(captureTriggerOids()).hasSize(8).doesNotContainAnyElementsOf(before);
        jdbi.useHandle(h -> h.execute("insert into notes values ('n1', 'a', 'u1')"));
        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry("myNotes[\"u1\"]", "notes", "n1"));
    }

    @Test
    void aRegenerationThatFailsLeavesThePreviousTriggersInPlace() {
        List<Long> before = captureTriggerOids();
        String planBefore = storedPlanHash();
        // the very last step of a regeneration fails: everything before it must roll back with it
        jdbi.useHandle(h -> h.execute("""
                create function public.refuse() returns trigger language plpgsql as $$
                begin raise exception 'meta is read-only in this test'; end $$;
                create trigger refuse before update on nizhal.meta for each row execute function public.refuse();
                """));
        try {
            assertThatThrownBy(() -> triggers.install(compile(rules("id", "owner_id"))))
                    .hasMessageContaining("meta is read-only in this test");
        } finally {
            jdbi.useHandle(h -> h.execute("drop trigger refuse on nizhal.meta; drop function public.refuse()"));
        }

        assertThat(captureTriggerOids()).isEqualTo(before);
        assertThat(storedPlanHash()).isEqualTo(planBefore);
    }

    @Test
    void aDisabledTriggerIsNoticedAndEnabledAgainAlthoughThePlanIsUnchanged() {
        jdbi.useHandle(h -> h.execute("alter table notes disable trigger nizhal_capture_insert"));

        Installation installation = triggers.install(compile(rules("id", "body", "owner_id")));

        assertThat(installation).isInstanceOf(Regenerated.class);
        assertThat(strings("select distinct tgenabled::text from pg_trigger where tgname like 'nizhal_capture_%'"))
                .containsExactly("A");
    }

    @Test
    void anEditedFunctionIsNoticedAndReplaced() {
        String function = jdbi.withHandle(
                h -> h.createQuery("select oid::regprocedure::text from pg_proc where proname like 'capture_notes_%'")
                        .mapTo(String.class)
                        .one());
        jdbi.useHandle(h -> h.execute("create or replace function " + function
                + " returns trigger language plpgsql as $$ begin return null; end $$"));

        Installation installation = triggers.install(compile(rules("id", "body", "owner_id")));
        jdbi.useHandle(h -> h.execute("insert into notes values ('n1', 'a', 'u1')"));

        assertThat(installation).isInstanceOf(Regenerated.class);
        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry("myNotes[\"u1\"]", "notes", "n1"));
    }

    @Test
    void twoInstancesInstallingAtOnceRunOneAfterTheOther() throws Exception {
        CompiledRules changed = compile(rules("id", "owner_id"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Handle holder = jdbi.open()) {
            // hold the install lock, start two installs, and let them go only once both wait for it
            holder.begin();
            holder.execute("select pg_advisory_xact_lock(" + lockKey() + ")");
            Future<Installation> first = pool.submit(() -> triggers.install(changed));
            Future<Installation> second = pool.submit(() -> triggers.install(changed));
            Await.until("both installs wait for the install lock", TIMEOUT, () -> waitingForAdvisoryLock() == 2);
            holder.commit();

            List<Installation> results = List.of(
                    first.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                    second.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

            assertThat(results)
                    .extracting(r -> r.getClass().getSimpleName())
                    .containsExactlyInAnyOrder("Regenerated", "Unchanged");
            assertThat(storedPlanHash()).isEqualTo(changed.planHash());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void uninstallDropsTriggersAndFunctionsAndOptionallyTheSchema() {
        triggers.uninstall(false);

        assertThat(captureTriggerOids()).isEmpty();
        assertThat(captureFunctionOids()).isEmpty();
        assertThat(storedPlanHash()).isNull();
        jdbi.useHandle(h -> h.execute("insert into notes values ('n1', 'a', 'u1')"));
        assertThat(LoggedChange.entries(jdbi)).isEmpty();

        triggers.install(compile(rules("id", "body", "owner_id")));
        triggers.uninstall(true);

        assertThat(captureTriggerOids()).isEmpty();
        assertThat(strings("select nspname from pg_namespace where nspname = 'nizhal'"))
                .isEmpty();
        assertThat(strings("select id from notes")).containsExactly("n1");

        // and the next install starts from scratch
        assertThat(triggers.install(compile(rules("id", "body", "owner_id")))).isInstanceOf(Regenerated.class);
        assertThat(captureTriggerOids()).hasSize(8);
    }

    private static SyncRules rules(String... noteColumns) {
        return SyncRules.define(b -> b.rule(
                "myNotes",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(
                                b.table("notes").columns(noteColumns).where(b.eq("owner_id", bucket.param("ownerId"))),
                                b.table("tags")
                                        .columns("id", "owner_id", "label")
                                        .where(b.eq("owner_id", bucket.param("ownerId")))))));
    }

    private static CompiledRules compile(SyncRules rules) {
        return SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables()));
    }

    private static List<Long> captureTriggerOids() {
        return jdbi.withHandle(
                h -> h.createQuery("select oid::int8 from pg_trigger where tgname like 'nizhal_capture_%' order by oid")
                        .mapTo(Long.class)
                        .list());
    }

    private static List<Long> captureFunctionOids() {
        return jdbi.withHandle(h -> h.createQuery("select p.oid::int8 from pg_proc p join pg_namespace n"
                        + " on n.oid = p.pronamespace where n.nspname = 'nizhal' and p.proname like 'capture_%'"
                        + " order by p.oid")
                .mapTo(Long.class)
                .list());
    }

    private static List<String> strings(String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    private static String storedPlanHash() {
        return jdbi.withHandle(h -> h.createQuery("select plan_hash from nizhal.meta")
                .mapTo(String.class)
                .one());
    }

    private static int waitingForAdvisoryLock() {
        // a bigint advisory key shows in pg_locks as its high and low halves
        return jdbi.withHandle(h -> h.createQuery("select count(*) from pg_locks where locktype = 'advisory'"
                        + " and classid::int8 = :high and objid::int8 = :low and objsubid = 1 and not granted")
                .bind("high", lockKey() >>> 32)
                .bind("low", lockKey() & 0xFFFF_FFFFL)
                .mapTo(Integer.class)
                .one());
    }

    private static long lockKey() {
        return JdbiCaptureTriggers.LOCK_KEY;
    }
}
