package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.CursorKeyMismatchException;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.server.HttpTarget.Reply;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** What is particular to the embedded server: Jetty's own answers, graceful and bounded stop, start failures. */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NizhalServerIT {
    private HikariDataSource pool;
    private Nizhal nizhal;
    private TestDatabase database;

    @BeforeAll
    void engine(TestDatabase database) {
        this.database = database;
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = EmbeddedSeedServer.pool(database);
        nizhal = SeedApp.engine(pool, true);
    }

    @AfterAll
    void close() {
        pool.close();
    }

    private NizhalServer start(Duration stopTimeout) {
        return NizhalServer.builder(nizhal, SeedApp.ACTORS)
                .host("127.0.0.1")
                .port(0)
                .stopTimeout(stopTimeout)
                .start();
    }

    private HttpTarget target(NizhalServer server) {
        return new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password());
    }

    private static String hold(String clientId, String id) {
        return "{\"clientId\":\"" + clientId + "\",\"mutations\":[{\"id\":1,\"name\":\"hold\",\"args\":{\"id\":\"" + id
                + "\"}}]}";
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(
            HttpClient client, HttpTarget target, String body) {
        return client.sendAsync(
                target.request("sync/push", SeedApp.ALICE)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** One raw HTTP/1.1 exchange, for requests no HTTP client would send. */
    private static String raw(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void jettysOwnAnswersCarryTheProtocolHeaderAndNeverAnHtmlPage() throws IOException {
        try (NizhalServer server = start(Duration.ofSeconds(5));
                HttpTarget target = target(server)) {
            Reply unknownPath = target.get("no/such/path", SeedApp.ALICE);
            Reply wrongMethod = target.get("sync/pull", SeedApp.ALICE);
            Reply escapedError = target.post("sync/pull", SeedApp.ERROR, "{}");
            String badHttp = raw(
                    server.port(),
                    "POST /sync/pull HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n");

            assertThat(unknownPath.status()).isEqualTo(404);
            assertThat(unknownPath.error().get("code").asText()).isEqualTo("MALFORMED_REQUEST");
            assertThat(wrongMethod.status()).isEqualTo(405);
            assertThat(wrongMethod.error().get("code").asText()).isEqualTo("MALFORMED_REQUEST");
            assertThat(escapedError.status()).isEqualTo(500);
            assertThat(escapedError.error().get("code").asText()).isEqualTo("INTERNAL");
            assertThat(badHttp).startsWith("HTTP/1.1 400").containsIgnoringCase("Nizhal-Protocol: 1");
            String badHttpBody = badHttp.substring(badHttp.indexOf("\r\n\r\n") + 4);
            HttpTarget.checkNoLeak(new Reply(
                    400,
                    java.net.http.HttpHeaders.of(
                            java.util.Map.of("Nizhal-Protocol", java.util.List.of("1")), (a, b) -> true),
                    badHttpBody));
            // the correlation id is random hex, which may well hold "abc": it is left out of the check
            assertThat(badHttpBody.replaceAll("\"correlationId\":\"[^\"]*\"", ""))
                    .contains("\"code\":\"MALFORMED_REQUEST\"")
                    .doesNotContain("Content-Length", "abc");
        }
    }

    @Test
    void stopLetsRequestsInFlightFinishAndRefusesNewConnections() throws Exception {
        NizhalServer server = start(Duration.ofSeconds(30));
        CountDownLatch entered = SeedApp.ENTERED.computeIfAbsent("graceful-1", id -> new CountDownLatch(1));
        CountDownLatch release = SeedApp.RELEASE.computeIfAbsent("graceful-1", id -> new CountDownLatch(1));
        try (HttpClient client = HttpClient.newHttpClient();
                HttpTarget target = target(server)) {
            CompletableFuture<HttpResponse<String>> inFlight =
                    sendAsync(client, target, hold("graceful-c", "graceful-1"));
            assertThat(entered.await(30, TimeUnit.SECONDS))
                    .as("the held mutation started")
                    .isTrue();

            int port = server.port();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
            Await.until("the port refuses new connections", Duration.ofSeconds(10), () -> !accepts(port));
            assertThat(stopping).as("stop waits for the request in flight").isNotDone();
            assertThat(inFlight).isNotDone();

            release.countDown();
            HttpResponse<String> response = inFlight.get(30, TimeUnit.SECONDS);
            stopping.get(30, TimeUnit.SECONDS);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"status\":\"applied\"", "\"serverId\":\"graceful-1\"");
            assertThat(server.isRunning()).isFalse();
        } finally {
            release.countDown();
            server.stop();
        }
    }

    @Test
    void stopIsBoundedByItsTimeout() throws Exception {
        NizhalServer server = start(Duration.ofMillis(500));
        CountDownLatch entered = SeedApp.ENTERED.computeIfAbsent("bounded-1", id -> new CountDownLatch(1));
        CountDownLatch release = SeedApp.RELEASE.computeIfAbsent("bounded-1", id -> new CountDownLatch(1));
        try (HttpClient client = HttpClient.newHttpClient();
                HttpTarget target = target(server)) {
            CompletableFuture<HttpResponse<String>> inFlight =
                    sendAsync(client, target, hold("bounded-c", "bounded-1"));
            assertThat(entered.await(30, TimeUnit.SECONDS))
                    .as("the held mutation started")
                    .isTrue();

            int port = server.port();
            long started = System.nanoTime();
            server.stop();
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(took).isLessThan(Duration.ofSeconds(15));
            assertThat(server.isRunning()).isFalse();
            assertThat(accepts(port)).isFalse();
            // the request that never finished was cut off: no 200 ever arrives for it
            Await.until("the cut-off request ends", Duration.ofSeconds(30), inFlight::isDone);
            assertThat(inFlight.handle((response, failure) -> failure != null || response.statusCode() >= 500)
                            .get())
                    .isTrue();
        } finally {
            release.countDown();
        }
    }

    @Test
    void healthReportsTheDatabaseDownWhenItDoesNotAnswer() {
        HikariDataSource lost = EmbeddedSeedServer.pool(database);
        Nizhal engine = SeedApp.engine(lost, false);
        try (NizhalServer server = NizhalServer.start(engine, SeedApp.ACTORS, 0);
                HttpTarget target = target(server)) {
            lost.close(); // the engine's connections are gone, as when the database is unreachable

            Reply health = target.get("nizhal/health", null);
            Reply pull = target.post("sync/pull", SeedApp.ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"d-c\"}");

            assertThat(health.status()).isEqualTo(503);
            assertThat(health.body())
                    .isEqualTo("{\"status\":\"DOWN\",\"database\":\"DOWN\",\"migrations\":\"UNKNOWN\"}");
            assertThat(pull.status()).isEqualTo(503);
            assertThat(pull.error().get("code").asText()).isEqualTo("TRANSIENT");
        }
    }

    @Test
    void startingOnATakenPortFailsWithTheReason() {
        try (NizhalServer first = start(Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> NizhalServer.builder(nizhal, SeedApp.ACTORS)
                            .host("127.0.0.1")
                            .port(first.port())
                            .start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(first.port()));
        }
    }

    @Test
    void aSecondServerWithTheSameCursorKeyStartsWithAnotherOrNoneItIsRefusedAtStart() {
        byte[] otherKey = SeedApp.CURSOR_KEY.clone();
        otherKey[0] ^= 1;
        try (NizhalServer first = start(Duration.ofSeconds(1));
                NizhalServer second = NizhalServer.start(SeedApp.engine(pool, false), SeedApp.ACTORS, 0)) {
            assertThat(second.isRunning()).isTrue();
            for (Nizhal.Builder engine : List.of(
                    SeedApp.builder(pool, Fixtures.seedRules()).cursorKey(otherKey),
                    SeedApp.builder(pool, Fixtures.seedRules()))) {
                assertThatThrownBy(() -> NizhalServer.start(engine.build(), SeedApp.ACTORS, 0))
                        .isInstanceOf(CursorKeyMismatchException.class)
                        .hasMessageContaining("instances of this database sign");
            }
            assertThat(first.isRunning()).isTrue();
        }
    }

    /** Says which of its mappings answered; counts its initializations; fails on {@code /app/boom}. */
    private static final class Echo extends HttpServlet {
        final AtomicInteger inits = new AtomicInteger();

        @Override
        public void init() {
            inits.incrementAndGet();
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if ("/boom".equals(request.getPathInfo())) {
                throw new IllegalStateException("org.example.Secret: SELECT * FROM secrets");
            }
            response.setContentType("text/plain");
            response.getWriter().write("echo servlet=" + request.getServletPath() + " path=" + request.getPathInfo());
        }
    }

    @Test
    void applicationServletsAnswerBesideTheEndpointsWhichStayTheSame() throws IOException {
        Echo echo = new Echo();
        try (NizhalServer server = NizhalServer.builder(nizhal, SeedApp.ACTORS)
                        .host("127.0.0.1")
                        .port(0)
                        .servlet("", echo)
                        .servlet("/app/*", echo)
                        .servlet("/login", echo)
                        .start();
                HttpTarget target = target(server)) {
            Reply root = target.get("", null);
            Reply page = target.get("app/notes.js", null);
            Reply login = target.get("login", null);
            Reply boom = target.get("app/boom", null);
            Reply health = target.get("nizhal/health", null);
            Reply pull = target.post("sync/pull", SeedApp.ALICE, "{\"syncRule\":\"myNotes\",\"clientId\":\"s-c\"}");
            Reply unauthenticated = target.post("sync/pull", null, "{\"syncRule\":\"myNotes\",\"clientId\":\"s-c\"}");
            Reply unknown = target.get("index.html", null);

            assertThat(echo.inits).as("one servlet, three mappings, one init").hasValue(1);
            assertThat(root.status()).isEqualTo(200);
            assertThat(root.body()).isEqualTo("echo servlet= path=/");
            assertThat(page.body()).isEqualTo("echo servlet=/app path=/notes.js");
            assertThat(login.body()).isEqualTo("echo servlet=/login path=null");
            assertThat(boom.status()).isEqualTo(500);
            assertThat(boom.error().get("code").asText()).isEqualTo("INTERNAL");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("status").asText()).isEqualTo("UP");
            assertThat(pull.status()).isEqualTo(200);
            assertThat(pull.json().has("cursor")).isTrue();
            assertThat(unauthenticated.status()).isEqualTo(401);
            assertThat(unauthenticated.error().get("code").asText()).isEqualTo("UNAUTHENTICATED");
            assertThat(unknown.status())
                    .as("a path outside every servlet is still Jersey's 404")
                    .isEqualTo(404);
            assertThat(unknown.error().get("code").asText()).isEqualTo("MALFORMED_REQUEST");
        }
    }

    @Test
    void applicationServletsCannotTakeTheEndpointsPaths() {
        NizhalServer.Builder builder = NizhalServer.builder(nizhal, SeedApp.ACTORS);
        Echo echo = new Echo();
        for (String spec :
                List.of("/*", "/", "*.html", "/sync/*", "/sync/pull", "/nizhal", "/nizhal/*", "app", "/a*")) {
            assertThatThrownBy(() -> builder.servlet(spec, echo))
                    .as(spec)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(spec);
        }
        builder.servlet("/app/*", echo);
        assertThatThrownBy(() -> builder.servlet("/app/*", new Echo()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already mapped");
        assertThat(builder.servlet("/synchronize", echo)).isSameAs(builder);
    }
}
