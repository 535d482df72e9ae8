package dev.nizhal.faults;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP proxy in front of PostgreSQL that reads the wire protocol (v3) as it forwards it, to lose a {@code
 * COMMIT}'s acknowledgement: armed with {@link #loseCommitAck}, it lets through the {@code COMMIT} of the next
 * transaction that sent a given text (in a query, a parse or a bind message), then swallows everything PostgreSQL
 * answers up to its {@code ReadyForQuery} (so the commit has happened, its reply is known) and closes both sides. The
 * engine sees a connection that broke during {@code COMMIT}, and cannot know whether it committed. With {@code
 * partition} the proxy then also cuts every other connection and refuses new ones until {@link #heal()}: a network
 * that went down right after the {@code COMMIT} left.
 *
 * <p>The clients must not ask for TLS or GSS encryption ({@code sslmode=disable&gssEncMode=disable}): the proxy reads
 * the startup message as the first frontend message, and every backend message as typed.
 */
final class TcpProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TcpProxy.class.getName());

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean partitioned;
    private volatile boolean closed;

    private final AtomicInteger commitsToLose = new AtomicInteger();
    private volatile String needle;
    private volatile boolean partitionAfterLoss;
    /** The command tags PostgreSQL answered to the commits whose answers were lost. */
    final CopyOnWriteArrayList<String> lostTags = new CopyOnWriteArrayList<>();

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    TcpProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().name("tcp-proxy-accept").daemon().start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** {@code jdbcUrl} with its host and port replaced by the proxy's, without TLS or GSS encryption. */
    String rewrite(String jdbcUrl) {
        String through = jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + port() + "/");
        return through + (through.contains("?") ? "&" : "?") + "sslmode=disable&gssEncMode=disable";
    }

    /** The host and port of a {@code jdbc:postgresql://host:port/db} URL. */
    static InetSocketAddress upstreamOf(String jdbcUrl) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("//([^/:]+):(\\d+)/").matcher(jdbcUrl);
        if (!m.find()) {
            throw new IllegalArgumentException("no host:port in " + jdbcUrl);
        }
        return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
    }

    /**
     * Loses the acknowledgement of the next {@code COMMIT} of a transaction that sent {@code text}; with {@code
     * partition}, cuts the network after it (until {@link #heal()}).
     */
    void loseCommitAck(String text, boolean partition) {
        this.needle = text;
        this.partitionAfterLoss = partition;
        commitsToLose.set(1);
    }

    /** Whether an armed loss has happened. */
    boolean lost() {
        return commitsToLose.get() == 0 && !lostTags.isEmpty();
    }

    void heal() {
        partitioned = false;
    }

    private void partition() {
        partitioned = true;
        links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "proxy accept failed", e);
                }
                return;
            }
            if (partitioned) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            accepted.incrementAndGet();
            try {
                Socket server = new Socket();
                server.connect(upstream, 5_000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Link link = new Link(client, server);
                links.add(link);
                Thread.ofVirtual().name("proxy-f2b").start(link::frontendToBackend);
                Thread.ofVirtual().name("proxy-b2f").start(link::backendToFrontend);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        links.forEach(Link::close);
        acceptor.interrupt();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a broken socket
        }
    }

    /** One proxied connection and what its frontend has asked in the current transaction. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        /** Statement name → its query text (extended protocol); "" is the unnamed one. */
        private final Map<String, String> statements = new HashMap<>();

        private boolean sawNeedle;
        /** Set before the COMMIT to lose is forwarded: from then on the backend's bytes are swallowed. */
        private volatile boolean swallowing;

        private final AtomicReference<String> tag = new AtomicReference<>();

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(server);
        }

        void frontendToBackend() {
            try (DataInputStream in = new DataInputStream(client.getInputStream())) {
                OutputStream out = server.getOutputStream();
                // the startup message: no type byte
                int length = in.readInt();
                byte[] startup = new byte[length - 4];
                in.readFully(startup);
                writeFrame(out, (byte) 0, length, startup);
                while (true) {
                    byte type = in.readByte();
                    int len = in.readInt();
                    byte[] payload = new byte[len - 4];
                    in.readFully(payload);
                    inspect(type, payload);
                    writeFrame(out, type, len, payload);
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                if (!swallowing) {
                    close();
                }
            }
        }

        private void writeFrame(OutputStream out, byte type, int len, byte[] payload) throws IOException {
            byte[] frame = new byte[(type == 0 ? 4 : 5) + payload.length];
            int at = 0;
            if (type != 0) {
                frame[at++] = type;
            }
            frame[at++] = (byte) (len >>> 24);
            frame[at++] = (byte) (len >>> 16);
            frame[at++] = (byte) (len >>> 8);
            frame[at++] = (byte) len;
            System.arraycopy(payload, 0, frame, at, payload.length);
            out.write(frame);
            out.flush();
        }

        /** Tracks the statements of the transaction; arms the loss before a COMMIT to lose is forwarded. */
        private void inspect(byte type, byte[] payload) {
            String statement = null;
            switch (type) {
                case 'Q' -> statement = cstring(payload, 0);
                case 'P' -> {
                    String name = cstring(payload, 0);
                    String query = cstring(payload, name.getBytes(StandardCharsets.UTF_8).length + 1);
                    statements.put(name, query);
                    statement = query;
                }
                case 'B' -> {
                    String portal = cstring(payload, 0);
                    String name = cstring(payload, portal.getBytes(StandardCharsets.UTF_8).length + 1);
                    statement = statements.getOrDefault(name, "");
                }
                case 'C' -> {
                    if (payload.length > 0 && payload[0] == 'S') {
                        statements.remove(cstring(payload, 1));
                    }
                }
                default -> {}
            }
            String wanted = needle;
            if (wanted != null && (type == 'Q' || type == 'P' || type == 'B')) {
                // binds carry the parameters' values (text format), parses and queries the text
                if (new String(payload, StandardCharsets.ISO_8859_1).contains(wanted)) {
                    sawNeedle = true;
                }
            }
            if (statement == null || type == 'P') {
                return; // a parse alone runs nothing
            }
            String command = statement.strip().toUpperCase(Locale.ROOT).replaceAll(";$", "");
            if (command.equals("COMMIT") || command.equals("END")) {
                if (sawNeedle && commitsToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    swallowing = true;
                }
                sawNeedle = false;
            } else if (command.startsWith("ROLLBACK") && !command.startsWith("ROLLBACK TO")) {
                sawNeedle = false;
            }
        }

        void backendToFrontend() {
            try (DataInputStream in = new DataInputStream(server.getInputStream())) {
                OutputStream out = client.getOutputStream();
                while (true) {
                    byte type = in.readByte();
                    int len = in.readInt();
                    byte[] payload = new byte[len - 4];
                    in.readFully(payload);
                    if (!swallowing) {
                        writeFrame(out, type, len, payload);
                        continue;
                    }
                    if (type == 'C') {
                        tag.set(cstring(payload, 0));
                    } else if (type == 'Z') {
                        // the commit's whole answer is in, and lost: the database has decided, the engine never hears
                        lostTags.add(String.valueOf(tag.get()));
                        if (partitionAfterLoss) {
                            partition();
                        }
                        close();
                        return;
                    }
                }
            } catch (EOFException e) {
                // closed
            } catch (IOException e) {
                // either side closed
            } finally {
                close();
            }
        }

        private static String cstring(byte[] payload, int from) {
            int end = from;
            while (end < payload.length && payload[end] != 0) {
                end++;
            }
            return new String(payload, from, end - from, StandardCharsets.UTF_8);
        }
    }
}
