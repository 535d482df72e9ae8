package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class NizhalSchemaMigrationIT {

    @Test
    void createsNizhalsTablesOnceAndKeepsTheIdentityOnReRun(TestDatabase db) {
        NizhalSchemaMigration migration = new NizhalSchemaMigration(db.dataSource());

        int first = migration.migrate();
        List<String> identity = strings(db, "select identity from nizhal.meta");
        int second = migration.migrate();

        assertThat(first)
                .as("V1 schema, V2 cursor key check, V3 the admin console's tables, V4 the log's keys uncompressed")
                .isEqualTo(4);
        assertThat(second).isZero();
        assertThat(strings(
                        db,
                        "select table_name from information_schema.tables where table_schema = 'nizhal'"
                                + " order by 1"))
                .containsExactly(
                        "admin_audit",
                        "change_log",
                        "client_pulls",
                        "clients",
                        "flyway_schema_history",
                        "meta",
                        "mutation_journal",
                        "pull_log",
                        "replays",
                        "snapshot_marks");
        assertThat(identity).hasSize(1).allSatisfy(id -> assertThat(id).hasSize(36));
        // a bulk statement's key arrays are stored out of line without compression
        assertThat(strings(
                        db,
                        "select attstorage from pg_catalog.pg_attribute"
                                + " where attrelid = 'nizhal.change_log'::regclass and attname = 'pks'"))
                .containsExactly("e");
        assertThat(strings(db, "select identity from nizhal.meta")).isEqualTo(identity);
        assertThat(strings(db, "select table_name from information_schema.tables where table_schema = 'public'"))
                .isEmpty();
    }

    private static List<String> strings(TestDatabase db, String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }
}
