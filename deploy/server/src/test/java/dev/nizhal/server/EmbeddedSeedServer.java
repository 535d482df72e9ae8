package dev.nizhal.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;

/**
 * {@link SeedApp} on {@link NizhalServer} (Jetty, Jersey, the WebSocket stream) on a random port, with the seed's
 * schema created and migrated in a fresh test database: what the black-box suites run against here. No per-actor
 * request rate.
 */
final class EmbeddedSeedServer implements AutoCloseable {
    private final HikariDataSource pool;
    private final NizhalServer server;
    private final HttpTarget target;

    private EmbeddedSeedServer(HikariDataSource pool, NizhalServer server, HttpTarget target) {
        this.pool = pool;
        this.server = server;
        this.target = target;
    }

    static EmbeddedSeedServer start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        HikariDataSource pool = pool(database);
        // the suites make hundreds of requests as alice within seconds; the per-actor rate has tests of its own
        NizhalServer server = NizhalServer.builder(SeedApp.engine(pool, true), SeedApp.ACTORS)
                .port(0)
                .requestRate(RequestRate.UNLIMITED)
                .start();
        return new EmbeddedSeedServer(
                pool, server, new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password()));
    }

    /** A small connection pool on the test database. */
    static HikariDataSource pool(TestDatabase database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    HttpTarget target() {
        return target;
    }

    @Override
    public void close() {
        target.close();
        server.stop();
        pool.close();
    }
}
