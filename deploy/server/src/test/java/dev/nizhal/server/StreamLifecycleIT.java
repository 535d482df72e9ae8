package dev.nizhal.server;

import static dev.nizhal.server.StreamClient.assertClosedWith;
import static dev.nizhal.server.StreamClient.poke;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jdbi.testing.Await;
import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.jwt.JwtConfig;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.adapters.websocket.StreamSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The stream's life cycle on the embedded server, with real JWTs on a clock the test moves: token expiry, stalled
 * sockets, the hello timeout and the server's stop. Heartbeats are short here so that a stalled socket is found fast.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamLifecycleIT {
    private static final Duration DEADLINE = StreamProtocolSuite.DEADLINE;
    private static final StreamSettings SETTINGS = StreamSettings.DEFAULTS
            // short, so that a stalled socket is found fast; long enough that a busy machine answers every ping
            .withHeartbeat(Duration.ofSeconds(1))
            .withHelloTimeout(Duration.ofSeconds(1))
            .withPollInterval(Duration.ofMillis(100))
            .withAuthCheckInterval(Duration.ofMillis(100));

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private HikariDataSource pool;
    private Nizhal nizhal;
    private JwtActorResolver actors;
    private HmacTokenIssuer tokens;
    private NizhalServer server;
    private HttpTarget target;

    @BeforeAll
    void start(TestDatabase database) {
        database.jdbi().useHandle(h -> h.createScript(SeedApp.SCHEMA).execute());
        pool = EmbeddedSeedServer.pool(database);
        nizhal = SeedApp.engine(pool, true);
        Issuer issuer = Issuer.builder(new KeySource.HmacSecret(
                        Arrays.copyOf("stream-lifecycle-test-secret".getBytes(StandardCharsets.UTF_8), 32)))
                .build();
        actors = new JwtActorResolver(JwtConfig.of(issuer), now::get);
        tokens = new HmacTokenIssuer(issuer, now::get);
        server = start();
        target = new HttpTarget(server.uri(), database.jdbcUrl(), database.user(), database.password());
    }

    private NizhalServer start() {
        return NizhalServer.builder(nizhal, actors).port(0).stream(SETTINGS)
                .clock(now::get)
                .start();
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

    private int addNotes(String token, String clientId, long firstId, int count) {
        StringBuilder mutations = new StringBuilder();
        for (int i = 0; i < count; i++) {
            long id = firstId + i;
            mutations
                    .append(i == 0 ? "" : ",")
                    .append("{\"id\":")
                    .append(id)
                    .append(",\"name\":\"addNote\",\"args\":{\"id\":\"")
                    .append(clientId)
                    .append('-')
                    .append(id)
                    .append("\",\"body\":\"b\"}}");
        }
        return target.post("sync/push", token, "{\"clientId\":\"" + clientId + "\",\"mutations\":[" + mutations + "]}")
                .status();
    }

    @Test
    void anExpiredTokenClosesTheSocketWith4401AndAFreshTokenReconnects() {
        String token = tokens.sign("expiring", Duration.ofMinutes(10));
        try (StreamClient socket = StreamClient.ready(target.streamUri(), token, "myNotes")) {
            assertThat(addNotes(token, "expiring-1", 1, 1)).isEqualTo(200);
            socket.await(poke("myNotes"), DEADLINE);

            // past exp and the resolver's 60 s of skew
            now.set(now.get().plus(Duration.ofMinutes(12)));
            assertClosedWith(socket.awaitClose(DEADLINE), 4401, "UNAUTHENTICATED");
        }
        String fresh = tokens.sign("expiring", Duration.ofMinutes(10));
        try (StreamClient socket = StreamClient.ready(target.streamUri(), fresh, "myNotes")) {
            assertThat(addNotes(fresh, "expiring-1", 2, 1)).isEqualTo(200);
            socket.await(poke("myNotes"), DEADLINE);
        }
    }

    @Test
    void aSocketThatNeverSendsItsHelloIsClosedWith4401() {
        try (StreamClient socket = StreamClient.connect(target.streamUri())) {
            assertClosedWith(socket.awaitClose(DEADLINE), 4401, "UNAUTHENTICATED");
        }
    }

    @Test
    void aStalledSocketIsDroppedWhileItsQueueStaysBoundedAndOthersKeepTheirPokes() throws Exception {
        String token = tokens.sign("stalled", Duration.ofHours(1));
        try (StreamClient healthy = StreamClient.ready(target.streamUri(), token, "myNotes");
                Socket stalled = new Socket()) {
            // sockets of earlier tests close asynchronously: count from a settled state
            Await.until(
                    "only the healthy socket is open",
                    DEADLINE,
                    () -> server.streamStats().sockets() == 1);
            int before = server.streamStats().sockets();
            stalled.setReceiveBufferSize(1024);
            stalled.connect(new InetSocketAddress("localhost", server.port()));
            stalled.setSoTimeout((int) DEADLINE.toMillis());
            upgrade(stalled, token);
            Await.until(
                    "the raw socket is registered",
                    DEADLINE,
                    () -> server.streamStats().sockets() == before + 1);

            // it reads nothing from now on: no pong, and every poke for it piles up nowhere but in its one slot
            int maxWaiting = 0;
            long nextId = 1;
            for (int batch = 0; batch < 5 && server.streamStats().stalledDropped() == 0; batch++) {
                assertThat(addNotes(token, "stalled-1", nextId, 20)).isEqualTo(200);
                nextId += 20;
                maxWaiting = Math.max(maxWaiting, server.streamStats().maxWaitingPerSocket());
            }
            Await.until(
                    "the stalled socket is dropped",
                    DEADLINE,
                    () -> server.streamStats().stalledDropped() >= 1);
            Await.until(
                    "the stalled socket is forgotten",
                    DEADLINE,
                    () -> server.streamStats().sockets() == before);
            // one rule: at most one poke waiting, one ping frame waiting and one frame being written
            assertThat(maxWaiting).isLessThanOrEqualTo(3);

            // the healthy socket answered every ping and is still poked
            healthy.drain();
            assertThat(addNotes(token, "stalled-1", nextId, 1)).isEqualTo(200);
            healthy.await(poke("myNotes"), DEADLINE);
            assertThat(healthy.isOpen()).isTrue();

            // what the stalled socket finds once it reads again: its frames, then the close (4408) or the end
            assertThat(readUntilClosed(stalled.getInputStream())).isTrue();
        }
    }

    @Test
    void aPushOnAnotherInstancePokesThisInstancesSocketsThroughItsPoller() {
        // a second instance: its own engine on the same database, its own server, hub and poller
        NizhalServer other = NizhalServer.builder(SeedApp.engine(pool, false), actors).port(0).stream(SETTINGS)
                .clock(now::get)
                .start();
        try {
            String token = tokens.sign("two-instances", Duration.ofHours(1));
            try (StreamClient here = StreamClient.ready(target.streamUri(), token, "myNotes");
                    StreamClient there = StreamClient.ready(streamUri(other), token, "myNotes");
                    HttpTarget otherTarget = new HttpTarget(other.uri(), null, null, null)) {
                String push = "{\"clientId\":\"two-1\",\"mutations\":[{\"id\":1,\"name\":\"addNote\","
                        + "\"args\":{\"id\":\"two-n1\",\"body\":\"b\"}}]}";
                assertThat(otherTarget.post("sync/push", token, push).status()).isEqualTo(200);
                there.await(poke("myNotes"), DEADLINE); // in process, on the instance that ran the push
                here.await(poke("myNotes"), DEADLINE); // by this instance's change-log poller
            }
            // closed sockets leave nothing behind in the hub
            Await.until(
                    "the other instance forgets its socket",
                    DEADLINE,
                    () -> other.streamStats().sockets() == 0
                            && other.streamStats().indexedKeys() == 0);
        } finally {
            other.stop();
        }
    }

    @Test
    void stoppingTheServerClosesItsSocketsWith1001() {
        NizhalServer second = start();
        try (StreamClient socket =
                StreamClient.ready(streamUri(second), tokens.sign("stopping", Duration.ofHours(1)), "myNotes")) {
            second.stop();
            assertThat(socket.awaitClose(DEADLINE).getCloseCode().getCode()).isEqualTo(1001);
        } finally {
            second.stop();
        }
    }

    private static URI streamUri(NizhalServer server) {
        return URI.create("ws://localhost:" + server.port() + "/sync/stream");
    }

    /** The HTTP upgrade by hand, then the hello as one masked text frame; the response's bytes are read, no more. */
    private static void upgrade(Socket socket, String token) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET /sync/stream HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the upgrade was refused: " + head);
            }
            head.write(b);
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        byte[] payload = StreamClient.hello(token, "myNotes").getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81); // FIN, text
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads until the server's close frame (opcode 8) or the end of the stream; false on a read timeout. */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return true;
                }
                int length = in.read() & 0x7F;
                if (length == 126) {
                    length = (in.read() << 8) | in.read();
                }
                byte[] payload = in.readNBytes(length);
                if ((first & 0x0F) == 0x8) {
                    int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
                    assertThat(code).isEqualTo(StreamHub.STALLED);
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        }
    }
}
