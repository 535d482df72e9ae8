package dev.nizhal.adapters.jdbi;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Creates and upgrades Nizhal's own schema {@code nizhal} with Flyway (its history in {@code nizhal}, never touching
 * the application's tables). Re-running is a no-op. Capture triggers are generated separately from the rules.
 */
public final class NizhalSchemaMigration {
    public static final String SCHEMA = "nizhal";

    /**
     * The migrations' folder. It holds an empty {@code flyway.location} file, without which Flyway finds no migration
     * on Open Liberty (and WebSphere), whose class loaders list no directories.
     */
    private static final String LOCATION = "classpath:dev/nizhal/adapters/jdbi/migration";

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
                .locations(LOCATION)
                // SQL callbacks would sit beside the migrations; Flyway's default folder (db/callback) does not
                // exist, and some servers' class loaders log its absence as an error
                .callbackLocations(LOCATION)
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
