package dev.nizhal.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link StreamProtocolSuite} against {@link NizhalServer} (Jetty's Jakarta WebSocket container) and real PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class EmbeddedServerStreamIT extends StreamProtocolSuite {
    private HikariDataSource pool;
    private NizhalServer server;
    private HttpTarget target;

    @BeforeAll
    void start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = EmbeddedServerProtocolIT.pool(database);
        server = NizhalServer.start(SeedApp.engine(pool, true), SeedApp.ACTORS, 0);
        target = new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password());
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
