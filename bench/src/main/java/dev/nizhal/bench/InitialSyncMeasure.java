package dev.nizhal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;

/**
 * The initial sync of one large bucket (the demo's {@code myNotes} of one owner) over HTTP, page after page until
 * {@code hasMore} is false, against a plain JDBC read of the same rows and columns.
 */
final class InitialSyncMeasure {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OWNER = "bulk";
    static final int LIMIT = 5_000;

    private InitialSyncMeasure() {}

    /** Fills the bucket with {@code rows} notes in one statement (captured by the triggers as any write is). */
    static void fill(BenchDatabase database, int rows) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement insert = c.prepareStatement(
                        "insert into notes(id, body, owner_id)"
                                + " select 'bulk-' || g, 'a note of the bench, number ' || g, ? from generate_series(1, ?) g")) {
            insert.setString(1, OWNER);
            insert.setInt(2, rows);
            insert.executeUpdate();
            try (Statement s = c.createStatement()) {
                s.execute("vacuum analyze notes");
            }
        }
    }

    /** Rows per second of a fresh client's pulls until it is up to date; fails unless it got {@code rows} rows. */
    static double pull(BenchServer server, SyncHttp http, int rows) throws Exception {
        String token = server.token(OWNER);
        URI pull = server.uri("sync/pull");
        String clientId = "bench-sync-" + UUID.randomUUID();
        String cursor = null;
        long received = 0;
        long start = System.nanoTime();
        while (true) {
            String request = "{\"syncRule\":\"myNotes\",\"clientId\":\"" + clientId + "\",\"cursor\":"
                    + (cursor == null ? "null" : JSON.writeValueAsString(cursor)) + ",\"limit\":" + LIMIT + "}";
            JsonNode response = JSON.readTree(http.post(pull, token, request));
            for (JsonNode change : response.get("changes")) {
                if ("upsert".equals(change.get("op").asText())) {
                    received++;
                }
            }
            cursor = response.get("cursor").asText();
            if (!response.get("hasMore").asBoolean()) {
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (received != rows) {
            throw new IllegalStateException("the initial sync delivered " + received + " rows of " + rows);
        }
        return rows / seconds;
    }

    /** Rows per second of a plain JDBC read of the bucket's rows (its synced columns), streamed by pages. */
    static double jdbcRead(BenchDatabase database, int rows) throws Exception {
        try (Connection c = database.connect()) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            long read = 0;
            try (PreparedStatement select =
                    c.prepareStatement("select id, body, owner_id, updated_at from notes where owner_id = ?")) {
                select.setFetchSize(LIMIT);
                select.setString(1, OWNER);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString(1) != null && rs.getString(2) != null && rs.getString(3) != null) {
                            rs.getObject(4);
                            read++;
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            c.commit();
            if (read != rows) {
                throw new IllegalStateException("the JDBC read got " + read + " rows of " + rows);
            }
            return rows / seconds;
        }
    }
}
