package dev.nizhal.server;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link StreamProtocolSuite} against {@link EmbeddedSeedServer}: NizhalServer on a random port and real PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class EmbeddedServerStreamIT extends StreamProtocolSuite {
    private EmbeddedSeedServer server;

    @BeforeAll
    void start(TestDatabase database) {
        server = EmbeddedSeedServer.start(database);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    HttpTarget target() {
        return server.target();
    }
}
