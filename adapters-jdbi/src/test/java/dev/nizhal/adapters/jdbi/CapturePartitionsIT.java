package dev.nizhal.adapters.jdbi;

import static dev.nizhal.adapters.jdbi.LoggedChange.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Installation;
import dev.nizhal.adapters.jdbi.JdbiCaptureTriggers.Regenerated;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.SqlCompiler;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Partitioned synced tables: a statement through the parent and one naming a partition (or a sub-partition) are both
 * captured, under the parent's name; and keys holding times are canonical whatever the writer's session settings.
 */
@ExtendWith(PostgresExtension.class)
class CapturePartitionsIT {

    private static final String U1 = "myEvents[\"u1\"]";

    private static Jdbi jdbi;
    private static JdbiCaptureTriggers triggers;

    @BeforeAll
    static void createTables(TestDatabase database) {
        jdbi = database.jdbi();
        triggers = new JdbiCaptureTriggers(database.dataSource());
        jdbi.useHandle(h -> h.createScript("""
                        create table events(id int8, region text, owner_id text, body text,
                                            primary key (id, region)) partition by list (region);
                        create table events_eu partition of events for values in ('eu');
                        create table events_us partition of events for values in ('us');
                        create table events_apac partition of events for values in ('apac') partition by range (id);
                        create table events_apac_low partition of events_apac for values from (minvalue) to (1000);
                        create table events_apac_high partition of events_apac for values from (1000) to (maxvalue);
                        create table readings(at timestamptz primary key, owner_id text, value numeric);
                        """).execute());
        triggers.install(compile(rules()));
    }

    @BeforeEach
    void emptyLog() {
        jdbi.useHandle(h -> h.execute("truncate nizhal.change_log"));
    }

    @Test
    void installCoversTheParentEveryPartitionAndEverySubPartition() {
        Installation installation = triggers.install(compile(rules()));

        assertThat(installation.relations())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder(
                        "events",
                        "events_apac",
                        "events_apac_high",
                        "events_apac_low",
                        "events_eu",
                        "events_us",
                        "readings");
        List<String> withoutFourTriggers = jdbi.withHandle(h -> h.createQuery("select c.relname from pg_class c"
                        + " where c.relname like 'events%' and c.relkind in ('r', 'p') and (select count(*)"
                        + " from pg_trigger t where t.tgrelid = c.oid and t.tgname like 'nizhal_capture_%'"
                        + " and t.tgenabled = 'A') <> 4")
                .mapTo(String.class)
                .list());
        assertThat(withoutFourTriggers).isEmpty();
    }

    @Test
    void aStatementNamingAPartitionIsCapturedUnderTheParentsName() {
        sql("insert into events_eu values (1, 'eu', 'u1', 'direct')");
        sql("insert into events_apac_low values (2, 'apac', 'u1', 'sub-partition')");
        sql("update events_eu set body = 'edited' where id = 1");
        sql("delete from events_apac_low where id = 2");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactly(
                        entry(U1, "events", "[1,\"eu\"]"),
                        entry(U1, "events", "[2,\"apac\"]"),
                        entry(U1, "events", "[1,\"eu\"]"),
                        entry(U1, "events", "[2,\"apac\"]"));
    }

    @Test
    void aStatementThroughTheParentIsCapturedOnce() {
        sql("insert into events values (3, 'eu', 'u1', 'a'), (4, 'us', 'u1', 'b'), (5000, 'apac', 'u1', 'c')");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactly(entry(U1, "events", "[3,\"eu\"]", "[4,\"us\"]", "[5000,\"apac\"]"));
    }

    @Test
    void aRowMovedToAnotherPartitionThroughTheParentLogsItsOldAndNewKey() {
        sql("insert into events values (6, 'eu', 'u1', 'a')");
        sql("truncate nizhal.change_log");

        sql("update events set region = 'us', owner_id = 'u2' where id = 6");

        assertThat(LoggedChange.entries(jdbi))
                .containsExactlyInAnyOrder(
                        entry(U1, "events", "[6,\"eu\"]"), entry("myEvents[\"u2\"]", "events", "[6,\"us\"]"));
    }

    @Test
    void truncatingAPartitionLogsTheParentsMarker() {
        sql("truncate events_us");

        assertThat(LoggedChange.entries(jdbi)).containsExactly(entry("truncate:events", "events", "*"));
    }

    @Test
    void aNewPartitionIsCoveredByTheNextInstallThoughThePlanDidNotChange() {
        sql("create table events_sa partition of events for values in ('sa')");
        try {
            Installation installation = triggers.install(compile(rules()));
            sql("insert into events_sa values (7, 'sa', 'u1', 'new partition')");

            assertThat(installation).isInstanceOf(Regenerated.class);
            assertThat(installation.relations()).extracting(Object::toString).contains("events_sa");
            assertThat(LoggedChange.entries(jdbi)).containsExactly(entry(U1, "events", "[7,\"sa\"]"));
        } finally {
            sql("drop table events_sa");
        }
    }

    @Test
    void aSyncedTableThatIsAPartitionOfAnotherSyncedTableIsRefused() {
        SyncRules both = SyncRules.define(b -> b.rule(
                        "myEvents",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("events")
                                        .columns("id", "region", "owner_id")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        "euEvents",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("events_eu")
                                        .columns("id", "region", "owner_id")
                                        .where(b.eq("owner_id", bucket.param("ownerId")))))));

        assertThatThrownBy(() -> triggers.install(compile(both)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot capture changes of events_eu: it is a partition of events");
    }

    @Test
    void aSyncedPartitionOfAnUnsyncedParentIsRefusedBecauseWritesThroughTheParentWouldEscape() {
        String planBefore = storedPlanHash();
        SyncRules partitionOnly = SyncRules.define(b -> b.rule(
                "usEvents",
                r -> r.parameters(p -> p.fromActor("ownerId"))
                        .data(bucket -> List.of(b.table("events_us")
                                .columns("id", "region", "owner_id")
                                .where(b.eq("owner_id", bucket.param("ownerId")))))));

        assertThatThrownBy(() -> triggers.install(compile(partitionOnly)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot capture changes of events_us: it is a partition of events")
                .hasMessageContaining("sync events instead");
        assertThat(storedPlanHash()).isEqualTo(planBefore);
    }

    @Test
    void aChildTableThatCannotBeCapturedIsRefusedAndNothingChanges() {
        assumeTrue(superuser(), "creating a foreign-data wrapper takes a superuser");
        String planBefore = storedPlanHash();
        sql("""
                create table gauges(id int4 primary key, owner_id text);
                create foreign data wrapper nizhal_test_fdw;
                create server nizhal_test_server foreign data wrapper nizhal_test_fdw;
                create foreign table remote_gauges() inherits (gauges) server nizhal_test_server;
                """);
        try {
            SyncRules withGauges = SyncRules.define(b -> b.rule(
                    "myGauges",
                    r -> r.parameters(p -> p.fromActor("ownerId"))
                            .data(bucket -> List.of(b.table("gauges")
                                    .columns("id", "owner_id")
                                    .where(b.eq("owner_id", bucket.param("ownerId")))))));

            assertThatThrownBy(() -> triggers.install(compile(withGauges)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("remote_gauges")
                    .hasMessageContaining("an inheritance child of synced table gauges");
            assertThat(storedPlanHash()).isEqualTo(planBefore);
        } finally {
            sql("""
                    drop table gauges cascade;
                    drop server nizhal_test_server;
                    drop foreign data wrapper nizhal_test_fdw;
                    """);
        }
    }

    // --- canonical keys

    @Test
    void aTimeKeyIsLoggedAsTheSameTextWhateverTheWritersTimeZone() {
        sql("insert into readings values ('2026-01-01 00:00:00+00', 'u1', 1)");
        String utc = onlyKey();
        sql("delete from readings; truncate nizhal.change_log");

        jdbi.useHandle(h -> {
            h.execute("set timezone = 'Asia/Kolkata'");
            try {
                h.execute("insert into readings values ('2026-01-01 05:30:00+05:30', 'u1', 1)");
            } finally {
                h.execute("reset timezone");
            }
        });
        String kolkata = onlyKey();

        assertThat(utc).isEqualTo("2026-01-01 00:00:00+00");
        assertThat(kolkata).isEqualTo(utc);
    }

    private static String onlyKey() {
        List<LoggedChange> rows = LoggedChange.all(jdbi);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().pks()).hasSize(1);
        return rows.getFirst().pks().getFirst();
    }

    private static SyncRules rules() {
        return SyncRules.define(b -> b.rule(
                        "myEvents",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("events")
                                        .columns("id", "region", "owner_id", "body")
                                        .where(b.eq("owner_id", bucket.param("ownerId"))))))
                .rule(
                        "myReadings",
                        r -> r.parameters(p -> p.fromActor("ownerId"))
                                .data(bucket -> List.of(b.table("readings")
                                        .columns("at", "owner_id", "value")
                                        .where(b.eq("owner_id", bucket.param("ownerId")))))));
    }

    private static CompiledRules compile(SyncRules rules) {
        return SqlCompiler.compile(rules, new JdbiSchemaCatalog(jdbi).describe(rules.tables()));
    }

    private static String storedPlanHash() {
        return jdbi.withHandle(h -> h.createQuery("select plan_hash from nizhal.meta")
                .mapTo(String.class)
                .one());
    }

    private static boolean superuser() {
        return jdbi.withHandle(h -> h.createQuery("select rolsuper from pg_roles where rolname = current_user")
                .mapTo(Boolean.class)
                .one());
    }

    private static void sql(String sql) {
        jdbi.useHandle(h -> h.createScript(sql).execute());
    }
}
