package dev.nizhal.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

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

    /** One whole pass of a measure; returns the rows it read. */
    @FunctionalInterface
    interface Pass {
        long run() throws Exception;
    }

    /** Rows per second of passes run back to back: a warm-up period, then the passes of the measured period. */
    record Rate(double perSecond, double firstPass, int passes) {}

    /**
     * Runs {@code pass} for {@code warmUp} (at least once; the first pass's rate is kept, to show a cold server), then
     * for {@code measured} (at least once), and answers the rows per second of the measured passes, whole passes only.
     */
    static Rate rate(Duration warmUp, Duration measured, Pass pass) throws Exception {
        double firstPass = Double.NaN;
        long warmUpEnd = System.nanoTime() + warmUp.toNanos();
        do {
            long start = System.nanoTime();
            long rows = pass.run();
            if (Double.isNaN(firstPass)) {
                firstPass = rows / ((System.nanoTime() - start) / 1e9);
            }
        } while (System.nanoTime() < warmUpEnd);
        long start = System.nanoTime();
        long end = start + measured.toNanos();
        long rows = 0;
        int passes = 0;
        do {
            rows += pass.run();
            passes++;
        } while (System.nanoTime() < end);
        return new Rate(rows / ((System.nanoTime() - start) / 1e9), firstPass, passes);
    }

    /**
     * A fresh client's pulls until it is up to date; fails unless it got {@code rows} rows. Each response is parsed
     * as a client does, every value of every change read (with Jackson's streaming parser, not into a tree), as its
     * bytes arrive.
     *
     * <p>With {@code ahead}, the client asks for the next page as soon as a response's head (its cursor, {@code
     * hasMore} and bucket lists, written before its changes) has arrived, and reads the changes while the server
     * serves that page, as the TypeScript client does (its transport hands the engine a response's head); pages are
     * still taken in order. Without, it asks for a page once it has read the one before.
     */
    static long pull(BenchServer server, SyncHttp http, int rows, boolean ahead) throws Exception {
        String token = server.token(OWNER);
        URI pull = server.uri("sync/pull");
        String clientId = "bench-sync-" + UUID.randomUUID();
        Client client = Client.START;
        long received = 0;
        InputStream body = http.postStream(pull, token, client.request(clientId, LIMIT));
        while (true) {
            Client asked = client;
            AtomicReference<CompletableFuture<InputStream>> next = new AtomicReference<>();
            Consumer<Page> onHead = ahead
                    ? head -> {
                        if (head.hasMore()) {
                            next.set(http.postStreamAhead(
                                    pull, token, asked.after(head).request(clientId, LIMIT)));
                        }
                    }
                    : head -> {};
            Page page;
            try {
                page = page(body, onHead);
            } catch (IOException | RuntimeException e) {
                // the pull asked ahead is answered to no one: its stream is closed, its connection let go
                CompletableFuture<InputStream> orphan = next.get();
                if (orphan != null) {
                    orphan.thenAccept(SyncHttp::closeQuietly);
                }
                throw e;
            }
            received += page.upserts();
            client = client.after(page);
            if (!page.hasMore()) {
                break;
            }
            if (ahead && next.get() == null) {
                // the head came after the changes: this would measure one page at a time under the other's name
                throw new IllegalStateException("a pull response's head did not come before its changes");
            }
            body = next.get() != null
                    ? next.get().join()
                    : http.postStream(pull, token, client.request(clientId, LIMIT));
        }
        if (received != rows) {
            throw new IllegalStateException("the initial sync delivered " + received + " rows of " + rows);
        }
        return received;
    }

    /**
     * What a bench client keeps between pulls, as PROTOCOL.md says a client does: the cursor of its last response
     * and its held buckets (every bucket named in a {@code loadedBuckets} since its last reset, less those named in a
     * {@code revokedBuckets}), sent with each pull. Without {@code held}, a pull would load the client's buckets again.
     */
    record Client(String cursor, List<String> held) {
        static final Client START = new Client(null, List.of());

        /** The client after it applied {@code page}. */
        Client after(Page page) {
            Set<String> next = new TreeSet<>();
            if (!page.reset()) {
                next.addAll(held);
            }
            next.removeAll(page.revoked());
            next.addAll(page.loaded());
            return new Client(page.cursor(), List.copyOf(next));
        }

        /** The body of this client's next pull of {@code myNotes}. */
        String request(String clientId, int limit) {
            try {
                return "{\"syncRule\":\"myNotes\",\"clientId\":" + JSON.writeValueAsString(clientId) + ",\"cursor\":"
                        + JSON.writeValueAsString(cursor) + ",\"held\":" + JSON.writeValueAsString(held)
                        + ",\"limit\":" + limit + "}";
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What the pull loop needs of a response. */
    record Page(
            String cursor, boolean hasMore, boolean reset, List<String> loaded, List<String> revoked, long upserts) {}

    /** Parses a pull response as its bytes arrive, to the end of the stream, which it closes. */
    static Page page(InputStream body) throws IOException {
        return page(body, head -> {});
    }

    /**
     * {@link #page(InputStream)}, handing {@code onHead} the response's head (its {@code upserts} 0) once it is read,
     * before the changes, when the head comes first (the server writes it so).
     */
    static Page page(InputStream body, Consumer<Page> onHead) throws IOException {
        String cursor = null;
        Boolean hasMore = null;
        boolean reset = false;
        List<String> loaded = List.of();
        List<String> revoked = List.of();
        long upserts = 0;
        try (InputStream in = body;
                JsonParser json = JSON.getFactory().createParser(in)) {
            expect(json.nextToken(), JsonToken.START_OBJECT);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                switch (field) {
                    case "cursor" -> cursor = json.getText();
                    case "hasMore" -> hasMore = json.getBooleanValue();
                    case "reset" -> reset = json.getBooleanValue();
                    case "loadedBuckets" -> loaded = strings(json, value);
                    case "revokedBuckets" -> revoked = strings(json, value);
                    case "changes" -> {
                        expect(value, JsonToken.START_ARRAY);
                        if (cursor != null && hasMore != null) {
                            onHead.accept(new Page(cursor, hasMore, reset, loaded, revoked, 0));
                        }
                        while (json.nextToken() == JsonToken.START_OBJECT) {
                            if (change(json)) {
                                upserts++;
                            }
                        }
                    }
                    default -> values(json, value);
                }
            }
            if (json.nextToken() != null) {
                throw new IllegalStateException("a pull response with more after its object");
            }
        }
        if (cursor == null || hasMore == null) {
            throw new IllegalStateException("a pull response without cursor or hasMore");
        }
        return new Page(cursor, hasMore, reset, loaded, revoked, upserts);
    }

    /** Reads an array of strings (the parser on its start). */
    private static List<String> strings(JsonParser json, JsonToken first) throws IOException {
        expect(first, JsonToken.START_ARRAY);
        List<String> strings = new ArrayList<>();
        while (json.nextToken() == JsonToken.VALUE_STRING) {
            strings.add(json.getText());
        }
        return strings;
    }

    /** Reads one change object (the parser on its start); true for an upsert with a row. */
    private static boolean change(JsonParser json) throws IOException {
        String op = null;
        boolean row = false;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("op")) {
                op = json.getText();
            } else {
                row |= field.equals("row") && value == JsonToken.START_OBJECT;
                values(json, value);
            }
        }
        return "upsert".equals(op) && row;
    }

    /** Reads a value and every value inside it, decoding each scalar as a client materializing it would. */
    private static void values(JsonParser json, JsonToken first) throws IOException {
        int depth = 0;
        JsonToken token = first;
        while (true) {
            switch (token) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_STRING -> json.getText();
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> json.getNumberValue();
                default -> {}
            }
            if (depth == 0) {
                return;
            }
            token = json.nextToken();
        }
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new IllegalStateException("expected " + expected + " in a pull response, found " + actual);
        }
    }

    /** A plain JDBC read of the bucket's rows (its synced columns), streamed by pages; answers the rows read. */
    static long jdbcRead(BenchDatabase database, int rows) throws Exception {
        try (Connection c = database.connect()) {
            c.setAutoCommit(false);
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
            c.commit();
            if (read != rows) {
                throw new IllegalStateException("the JDBC read got " + read + " rows of " + rows);
            }
            return read;
        }
    }
}
