package dev.nizhal.bench;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.UUID;

/**
 * The push's measures: single-mutation pushes over HTTP (the demo's {@code addNote}, one insert into the captured
 * table {@code notes}) against raw JDBC insert transactions into the same table on as many connections, and the
 * drain of one client's outbox in batches.
 */
public final class PushMeasures {
    private PushMeasures() {}

    /**
     * One client pushing {@code size} mutations per request, ids in order, each push waiting for the previous answer,
     * as a client with {@code size} pending writes does.
     */
    static Load.Operation pushingClient(BenchServer server, SyncHttp http, String user, int size) {
        String clientId = "bench-" + UUID.randomUUID();
        String token = server.token(user);
        URI push = server.uri("sync/push");
        return new Load.Operation() {
            long next = 1;

            @Override
            public void run() throws Exception {
                long first = next;
                next += size;
                String body = http.post(push, token, pushBody(clientId, first, size));
                if (count(body, "\"applied\"") != size) {
                    throw new IllegalStateException("mutations " + first + ".. were not all applied: " + body);
                }
            }
        };
    }

    /** Raw JDBC insert transactions (autocommit) into the captured table, on a connection of their own. */
    static Load.Operation rawInserts(BenchDatabase database, String owner) throws Exception {
        Connection connection = database.connect();
        PreparedStatement insert =
                connection.prepareStatement("insert into notes(id, body, owner_id) values (?, ?, ?)");
        String prefix = "raw-" + UUID.randomUUID() + "-";
        return new Load.Operation() {
            long next = 1;

            @Override
            public void run() throws Exception {
                insert.setString(1, prefix + next++);
                insert.setString(2, "a note of the bench");
                insert.setString(3, owner);
                insert.executeUpdate();
            }

            @Override
            public void close() throws Exception {
                insert.close();
                connection.close();
            }
        };
    }

    /**
     * Mutations per second of one client draining {@code queued} mutations in pushes of {@code batch} (each push
     * waits for the previous answer, as the client's outbox does).
     */
    static double drain(BenchServer server, SyncHttp http, int queued, int batch) throws Exception {
        String clientId = "bench-drain-" + UUID.randomUUID();
        String token = server.token("alice");
        URI push = server.uri("sync/push");
        long start = System.nanoTime();
        for (long first = 1; first <= queued; first += batch) {
            int size = (int) Math.min(batch, queued - first + 1);
            String body = http.post(push, token, pushBody(clientId, first, size));
            int applied = count(body, "\"applied\"");
            if (applied != size) {
                throw new IllegalStateException("a push of " + size + " mutations applied " + applied + ": " + body);
            }
        }
        return queued / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * The round trips to PostgreSQL of one push of {@code size} addNote mutations by a client that pushed before (its
     * row exists), on the thread that served it: the most of any one thread while it ran (see {@link RoundTrips}).
     */
    static long roundTrips(BenchServer server, SyncHttp http, int size) throws Exception {
        String clientId = "bench-trips-" + UUID.randomUUID();
        String token = server.token("alice");
        URI push = server.uri("sync/push");
        http.post(push, token, pushBody(clientId, 1, 1));
        Map<String, Long> perThread = RoundTrips.during(() -> {
            String body = http.post(push, token, pushBody(clientId, 2, size));
            if (count(body, "\"applied\"") != size) {
                throw new IllegalStateException("the push was not applied: " + body);
            }
            return body;
        });
        return perThread.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    /** The body of a push of {@code size} addNote mutations from id {@code first} (also the push benchmark's). */
    public static String pushBody(String clientId, long first, int size) {
        StringBuilder body = new StringBuilder(64 + size * 96)
                .append("{\"clientId\":\"")
                .append(clientId)
                .append("\",\"mutations\":[");
        for (int i = 0; i < size; i++) {
            long id = first + i;
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"id\":")
                    .append(id)
                    .append(",\"name\":\"addNote\",\"args\":{\"id\":\"")
                    .append(clientId)
                    .append('-')
                    .append(id)
                    .append("\",\"body\":\"a note of the bench\"}}");
        }
        return body.append("]}").toString();
    }
}
