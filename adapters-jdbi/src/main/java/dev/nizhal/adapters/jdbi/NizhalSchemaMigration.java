package dev.nizhal.adapters.jdbi;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates and upgrades Nizhal's own schema {@code nizhal} with Flyway (its history in {@code nizhal}, never touching
 * the application's tables). Re-running is a no-op. Capture triggers are generated separately from the rules.
 */
public final class NizhalSchemaMigration {
    public static final String SCHEMA = "nizhal";

    private final DataSource dataSource;

    public NizhalSchemaMigration(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Applies pending migrations; returns how many ran. */
    public int migrate() {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .createSchemas(true)
                .locations("classpath:dev/nizhal/adapters/jdbi/migration")
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
