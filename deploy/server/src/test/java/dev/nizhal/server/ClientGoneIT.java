package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.server.HttpTarget.Reply;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that stops reading a response (a closed tab, a dropped connection, an app that gave up) is the client's
 * doing: the server logs one line at DEBUG, not Jersey's SEVERE record with its stack traces, and goes on serving.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientGoneIT {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String PULL = "{\"syncRule\":\"myNotes\",\"clientId\":\"c-gone\",\"limit\":5000}";

    private EmbeddedSeedServer server;

    @BeforeAll
    void start(TestDatabase database) {
        server = EmbeddedSeedServer.start(database);
        // a page of about 4 MB; the client's window stays at a few KiB (it reads only the status line), so the server
        // is still writing the page when the connection is reset
        database.jdbi()
                .useHandle(h -> h.execute("insert into notes(id, body, owner_id)"
                        + " select 'gone-' || g, repeat('x', 2000), 'alice' from generate_series(1, 2000) as g"));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientThatStopsReadingAPullIsLoggedAsOneDebugLineAndTheServerGoesOn() throws Exception {
        Recorder jersey = Recorder.on("org.glassfish.jersey.server.ServerRuntime$Responder", null);
        Recorder ours = Recorder.on(NizhalServer.class.getName(), Level.FINE);
        try {
            URI uri = server.target().uri("/");
            try (Socket socket = new Socket()) {
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
                byte[] body = PULL.getBytes(StandardCharsets.UTF_8);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /sync/pull HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\nAuthorization: Bearer "
                                + SeedApp.ALICE + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                InputStream in = socket.getInputStream();
                byte[] status = in.readNBytes("HTTP/1.1 200".length());
                assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                // reset, not a graceful close: the server's next write fails at once
                socket.setSoLinger(true, 0);
            }
            Instant deadline = Instant.now().plus(DEADLINE);
            while (ours.matching("went away").isEmpty() && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }

            Thread.sleep(300); // room for a second line, which would be a defect

            assertThat(ours.matching("went away"))
                    .as("the server's write of the page failed and was logged once")
                    .hasSize(1);
            assertThat(jersey.records).as("Jersey's own record of that failure").isEmpty();
            Reply next = server.target().post("sync/pull", SeedApp.ALICE, PULL.replace("c-gone", "c-next"));
            assertThat(next.status()).as(next.body()).isEqualTo(200);
        } finally {
            jersey.close();
            ours.close();
        }
    }

    /** The records a logger passes to its handlers, from {@code level} up (null: the logger's own level). */
    private static final class Recorder extends Handler {
        private final Logger logger;
        private final Level previous;
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        private Recorder(Logger logger, Level previous) {
            this.logger = logger;
            this.previous = previous;
        }

        static Recorder on(String name, Level level) {
            Logger logger = Logger.getLogger(name);
            Recorder recorder = new Recorder(logger, logger.getLevel());
            recorder.setLevel(Level.ALL);
            if (level != null) {
                logger.setLevel(level);
            }
            logger.addHandler(recorder);
            return recorder;
        }

        List<String> matching(String text) {
            return records.stream()
                    .map(r -> String.valueOf(r.getMessage()))
                    .filter(m -> m.contains(text))
                    .toList();
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(previous);
        }
    }
}
