package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The embedded server's black-box suites ({@link HttpProtocolSuite}, {@link StreamProtocolSuite}, {@link
 * HttpFuzzSuite}) against the WAR on an application server: {@link SeedWar} (the built WAR with {@link SeedApp}) on a
 * fresh database of the tests' PostgreSQL, configured through the environment only, as docs/deploy.md says.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// one server and database for the three: the fuzzing, which writes many notes as alice, goes last
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
abstract class WarSuites {
    private final WarRuntime runtime;
    private WarServer server;
    private HttpTarget target;
    private long suitesBegin;

    WarSuites(WarRuntime runtime) {
        this.runtime = runtime;
    }

    @BeforeAll
    void startServer(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        Path war = SeedWar.build(WarServer.builtWar(), WarServer.serversDir().resolve(runtime.id() + "-seed.war"));
        server = runtime.start(
                runtime.id() + "-suites",
                war,
                Map.of(
                        "NIZHAL_JDBC_URL", database.jdbcUrl(),
                        "NIZHAL_JDBC_USER", database.user(),
                        "NIZHAL_JDBC_PASSWORD", password(database),
                        "NIZHAL_CURSOR_KEY", Base64.getEncoder().encodeToString(SeedApp.CURSOR_KEY),
                        // the suites make hundreds of requests as alice within seconds; the rate is tested apart
                        "NIZHAL_LIMIT_REQUESTS_PER_SECOND", "0"));
        target = new HttpTarget(server.base(), database.jdbcUrl(), database.user(), database.password());
        server.awaitReady(Duration.ofSeconds(60));
        suitesBegin = System.nanoTime();
    }

    @AfterAll
    void stopServer() {
        if (suitesBegin != 0) {
            System.out.printf(
                    "%s: server start %.1f s, suites %.1f s%n",
                    runtime.id(), server.startTime().toMillis() / 1000.0, (System.nanoTime() - suitesBegin) / 1e9);
        }
        if (target != null) {
            target.close();
        }
        if (server != null) {
            server.close();
        }
    }

    HttpTarget target() {
        return target;
    }

    /**
     * The database's password for the server's data source. The embedded test PostgreSQL trusts local connections and
     * has none, but Payara's pool refuses to connect without one ("No password credential found"): any will do.
     */
    static String password(TestDatabase database) {
        String password = database.password();
        return password == null || password.isEmpty() ? "trusted" : password;
    }

    /** Mutators may use the plain JDBC connection of the push transaction, here the server's pooled connection. */
    @Test
    void aMutatorWritesThroughThePushTransactionsJdbcConnection() {
        String token = SeedApp.tokenOf("jdbc-lee");
        Reply pushed = target.post(
                "sync/push",
                token,
                "{\"clientId\":\"jdbc-lee-c\",\"mutations\":[{\"id\":1,\"name\":\"addNoteJdbc\",\"args\":{\"id\":"
                        + "\"jdbc-1\",\"body\":\"via JDBC\"}}]}");
        assertThat(pushed.status()).as(pushed.body()).isEqualTo(200);
        JsonNode result = pushed.json().get("results").get(0);
        assertThat(result.get("status").asText()).as(pushed.body()).isEqualTo("applied");
        assertThat(result.get("result").get("affectedBuckets").toString()).contains("jdbc-lee");
        Reply pulled = target.post("sync/pull", token, "{\"syncRule\":\"myNotes\",\"clientId\":\"jdbc-lee-c\"}");
        assertThat(pulled.status()).as(pulled.body()).isEqualTo(200);
        assertThat(pulled.body()).contains("\"key\":\"jdbc-1\"", "via JDBC");
        assertThat(pulled.json().get("lastMutationId").asLong()).isEqualTo(1);
    }

    @Nested
    @Order(1)
    class Http extends HttpProtocolSuite {
        @Override
        HttpTarget target() {
            return WarSuites.this.target();
        }
    }

    @Nested
    @Order(2)
    class Stream extends StreamProtocolSuite {
        @Override
        HttpTarget target() {
            return WarSuites.this.target();
        }
    }

    @Nested
    @Order(3)
    class Fuzz extends HttpFuzzSuite {
        @Override
        HttpTarget target() {
            return WarSuites.this.target();
        }
    }
}
