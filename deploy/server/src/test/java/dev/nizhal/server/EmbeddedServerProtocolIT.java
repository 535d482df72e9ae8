package dev.nizhal.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link HttpProtocolSuite} against {@link NizhalServer} (Jetty + Jersey) on a random port and real PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class EmbeddedServerProtocolIT extends HttpProtocolSuite {
    private HikariDataSource pool;
    private NizhalServer server;
    private HttpTarget target;

    @BeforeAll
    void start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = pool(database);
        server = NizhalServer.start(SeedApp.engine(pool, true), SeedApp.ACTORS, 0);
        target = new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password());
    }

    static HikariDataSource pool(TestDatabase database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    @AfterAll
    void stop() {
        if (target != null) {
            target.close();
        }
        if (server != null) {
            server.stop();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    HttpTarget target() {
        return target;
    }
}
