package dev.nizhal.server;

import dev.nizhal.CursorKeyMismatchException;
import dev.nizhal.Nizhal;
import dev.nizhal.RetentionJobs;
import dev.nizhal.adapters.jaxrs.HealthCheck;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import dev.nizhal.adapters.jaxrs.JaxrsErrorMapper;
import dev.nizhal.adapters.jaxrs.JaxrsProtocolFilter;
import dev.nizhal.adapters.jaxrs.RequestRate;
import dev.nizhal.adapters.jaxrs.WireLimits;
import dev.nizhal.adapters.jwt.JwtActorResolver;
import dev.nizhal.adapters.websocket.StreamEndpoint;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.adapters.websocket.StreamSettings;
import dev.nizhal.admin.AdminConsole;
import dev.nizhal.admin.AdminServlet;
import dev.nizhal.admin.ThemeServlet;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.ports.out.ActorResolver;
import dev.nizhal.ports.out.Clock;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The embedded one-process server: Jetty 12.1 (EE11 servlets) on one port, with the Nizhal endpoints of
 * adapters-jaxrs on Jersey's servlet and the realtime stream ({@code GET /sync/stream}) of adapters-websocket on
 * Jetty's Jakarta WebSocket container. It also runs the instance's change-log poller (in the stream) and the {@link
 * RetentionJobs} (a snapshot mark every minute, a trim to the retention every hour; CHANGE-CAPTURE.md).
 *
 * <pre>{@code
 * Nizhal nizhal = Nizhal.builder().dataSource(ds).syncRules(rules).mutators(mutators).argsCodec(codec).build();
 * nizhal.migrate();
 * try (NizhalServer server = NizhalServer.start(nizhal, resolver, 8080)) {
 *     ... // POST /sync/pull, POST /sync/push, GET /nizhal/contract, GET /nizhal/health
 * }
 * }</pre>
 *
 * <p>{@link #stop()} is graceful and bounded: the port stops accepting connections at once, requests already being
 * served run to their end (and their pokes go out), a request arriving on an open connection meanwhile gets 503
 * {@code TRANSIENT} (and the connection closes), whatever still runs after the stop timeout is cut off, and then
 * stream sockets are closed with 1001 (going away).
 *
 * <p>Every response carries {@code Nizhal-Protocol: 1}, also Jetty's own answers, whose bodies are Nizhal error JSON
 * rather than Jetty's HTML page. The REST servlet is mapped to {@code /*} of one servlet context; a Jakarta WebSocket
 * endpoint ({@code /sync/stream}) shares that context and port (the WebSocket upgrade runs before servlets, so the
 * mapping does not stand in its way), and the admin console is meant to join them later. An application
 * can add its own servlets at exact or prefix paths beside the endpoints ({@link Builder#servlet}), for a page or a
 * login of its own.
 */
public final class NizhalServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NizhalServer.class.getName());

    /** How long {@link #stop()} waits for requests in flight unless the builder says otherwise. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Jersey warns at start that each resource instance "will be ignored", and then serves it (its known bug with
     * registered instances, eclipse-ee4j/jersey#3700). That warning about Nizhal's own resources is dropped, every
     * other record of that logger passes. Held here: a logger nobody references may be collected with its filter.
     */
    private static final java.util.logging.Logger JERSEY_PROVIDERS =
            java.util.logging.Logger.getLogger("org.glassfish.jersey.internal.inject.Providers");

    /**
     * Jersey logs at SEVERE, with the stack traces of two exceptions, every response whose client stopped reading
     * it: a closed tab, a dropped connection, an app that gave up waiting (Jetty's {@code EofException}, "Broken
     * pipe" or "Connection reset by peer"). That is the client's doing, not a fault of the server, and a closed tab
     * during an initial sync made a hundred lines of it. Such a record is dropped and one line logged at DEBUG; any
     * other failure to write a response is logged as Jersey logs it, also an {@code EofException} of the server's own
     * making (a write to an output already closed, past a declared length) with no failed socket under it. Held here,
     * as above.
     */
    private static final java.util.logging.Logger JERSEY_RESPONDER =
            java.util.logging.Logger.getLogger("org.glassfish.jersey.server.ServerRuntime$Responder");

    static {
        java.util.logging.Filter previous = JERSEY_PROVIDERS.getFilter();
        JERSEY_PROVIDERS.setFilter(record -> {
            boolean ours = record.getMessage() != null
                    && record.getMessage().contains("provider " + JaxrsEndpoints.class.getPackageName() + ".");
            return !ours && (previous == null || previous.isLoggable(record));
        });
        JERSEY_RESPONDER.setFilter(droppingClientGone(JERSEY_RESPONDER.getFilter()));
    }

    /**
     * A filter that drops a record of a client that went away ({@link #clientGone}), logging one DEBUG line instead,
     * and asks {@code previous} (when there is one) about every other record.
     */
    static java.util.logging.Filter droppingClientGone(java.util.logging.Filter previous) {
        return record -> {
            java.io.IOException gone = clientGone(record.getThrown());
            if (gone != null) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "a client went away before its response was written ({0})",
                        gone.getMessage());
                return false;
            }
            return previous == null || previous.isLoggable(record);
        };
    }

    /**
     * The failed socket write or read under Jetty's {@code EofException} in {@code failure}'s causes, the sign that the
     * client closed or reset the connection ("Broken pipe", "Connection reset by peer"); null when there is none. An
     * {@code EofException} with no such cause ("Closed": the server's own output was closed already) is not one.
     */
    static java.io.IOException clientGone(Throwable failure) {
        boolean underEof = false;
        // bounded: a cause chain may loop
        for (int depth = 0; failure != null && depth < 16; depth++, failure = failure.getCause()) {
            if (failure instanceof EofException) {
                underEof = true;
            } else if (underEof && failure instanceof java.io.IOException socket) {
                return socket;
            }
        }
        return null;
    }

    /**
     * The most bytes of request line and headers a request may have; more is refused with 431. Room for the longest
     * bearer token the JWT resolver accepts ({@link JwtActorResolver#MAX_TOKEN_CHARS}) and ordinary other headers, so
     * that such a token is judged by the resolver and never cut off by the HTTP parser.
     */
    public static final int MAX_REQUEST_HEADER_BYTES = 2 * JwtActorResolver.MAX_TOKEN_CHARS;

    /**
     * How long a request's body may take to arrive, from the start of the request, unless the builder says otherwise:
     * a body of the 1 MiB limit at 100 KiB/s fits; a client that dribbles it gets a 400 and its worker thread is free.
     */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(15);

    /** How long the change log keeps entries unless the builder says otherwise (CHANGE-CAPTURE.md "Retention"). */
    public static final Duration DEFAULT_RETENTION = RetentionJobs.DEFAULT_RETENTION;

    private final Server server;
    private final ServerConnector connector;
    private final String host;
    private final StreamHub stream;
    private final AutoCloseable commitListener;
    private final ScheduledExecutorService maintenance;
    private final RetentionJobs retention;

    private NizhalServer(
            Server server,
            ServerConnector connector,
            String host,
            StreamHub stream,
            AutoCloseable commitListener,
            ScheduledExecutorService maintenance,
            RetentionJobs retention) {
        this.server = server;
        this.connector = connector;
        this.host = host;
        this.stream = stream;
        this.commitListener = commitListener;
        this.maintenance = maintenance;
        this.retention = retention;
    }

    /**
     * Starts a server on {@code port} of every interface ({@code 0}: a free port, see {@link #port()}) with the
     * default limits and stop timeout.
     *
     * @throws CursorKeyMismatchException when the engine's cursor key is not its database's (see {@link
     *     Builder#start()})
     * @throws IllegalStateException when the server cannot start (the port is taken, for example)
     */
    public static NizhalServer start(Nizhal nizhal, ActorResolver actors, int port) {
        return builder(nizhal, actors).port(port).start();
    }

    /** A server for {@code nizhal}'s endpoints, authenticating bearer tokens with {@code actors}. */
    public static Builder builder(Nizhal nizhal, ActorResolver actors) {
        return new Builder(nizhal, actors);
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://<host>:<port>/}, with {@code localhost} when listening on every interface. */
    public URI uri() {
        return URI.create("http://" + (host == null ? "localhost" : host) + ":" + port() + "/");
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    /** The realtime stream's sockets, queued frames and dropped stalled sockets now. */
    public StreamHub.Stats streamStats() {
        return stream.stats();
    }

    /**
     * Stops gracefully within the stop timeout (see the class comment). Returns when the server has stopped.
     *
     * @throws IllegalStateException when Jetty fails to stop a component
     */
    public void stop() {
        retention.close();
        maintenance.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            // Jetty stops everything, then reports that the graceful wait ran out: that is the bound working
            if (causedByTimeout(e) && !server.isRunning()) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "requests still running after the stop timeout of {0} ms were cut off",
                        server.getStopTimeout());
                return;
            }
            throw new IllegalStateException("the Nizhal server did not stop cleanly", e);
        } finally {
            // after the pushes in flight: their pokes still went out
            closeQuietly(commitListener);
            stream.close();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing on stop", e);
        }
    }

    private static boolean causedByTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Where the server listens, its limits and how long a stop waits. */
    public static final class Builder {
        private final Nizhal nizhal;
        private final ActorResolver actors;
        private String host;
        private int port = 8080;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private int maxConcurrentPulls = JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS;
        private RequestRate requestRate = RequestRate.DEFAULT;
        private WireLimits limits = WireLimits.DEFAULTS;
        private StreamSettings streamSettings = StreamSettings.DEFAULTS;
        private Clock clock = Instant::now;
        private Duration retention = DEFAULT_RETENTION;
        private final Map<Servlet, List<String>> servlets = new IdentityHashMap<>();
        private final List<Servlet> servletOrder = new ArrayList<>();

        private boolean adminConsole;

        private Builder(Nizhal nizhal, ActorResolver actors) {
            this.nizhal = Objects.requireNonNull(nizhal, "nizhal");
            this.actors = Objects.requireNonNull(actors, "actors");
        }

        /** The interface to listen on (a host name or address); every interface unless set. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; {@code 0} picks a free one. 8080 unless set. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("a port is 0 … 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** How long {@link #stop()} lets requests in flight finish before cutting them off. */
        public Builder stopTimeout(Duration stopTimeout) {
            if (stopTimeout.isNegative()) {
                throw new IllegalArgumentException("the stop timeout must not be negative");
            }
            this.stopTimeout = stopTimeout;
            return this;
        }

        /** Body and pull limits; {@link WireLimits#DEFAULTS} unless set. */
        public Builder limits(WireLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * The most pulls this server serves at once; one more is answered 429 {@code RATE_LIMITED} with {@code
         * Retry-After} at once. {@link JaxrsEndpoints#DEFAULT_MAX_CONCURRENT_PULLS} unless set.
         */
        public Builder maxConcurrentPulls(int maxConcurrentPulls) {
            if (maxConcurrentPulls < 1) {
                throw new IllegalArgumentException("maxConcurrentPulls must be at least 1, was " + maxConcurrentPulls);
            }
            this.maxConcurrentPulls = maxConcurrentPulls;
            return this;
        }

        /**
         * How many pulls and pushes one actor may make per second on this server, with a burst; beyond, 429 {@code
         * RATE_LIMITED} with {@code Retry-After}. {@link RequestRate#DEFAULT} unless set; {@link RequestRate#UNLIMITED}
         * for none.
         */
        public Builder requestRate(RequestRate requestRate) {
            this.requestRate = Objects.requireNonNull(requestRate, "requestRate");
            return this;
        }

        /**
         * How long a request's body may take to arrive, counted from the start of the request; a body still arriving
         * then fails to be read (400 {@code MALFORMED_REQUEST}). Jetty's idle timeout (30 s) starts again with every
         * byte, so without this a client sending a byte now and then would hold a worker thread as long as it likes.
         * {@link #DEFAULT_BODY_TIMEOUT} unless set.
         */
        public Builder bodyTimeout(Duration bodyTimeout) {
            if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
                throw new IllegalArgumentException("the body timeout must be positive, was " + bodyTimeout);
            }
            this.bodyTimeout = bodyTimeout;
            return this;
        }

        /** The realtime stream's heartbeat, poll interval and limits; {@link StreamSettings#DEFAULTS} unless set. */
        public Builder stream(StreamSettings settings) {
            this.streamSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * How long the change log keeps entries: every hour the server trims what is older (a client away longer
         * resets on its next pull). {@link #DEFAULT_RETENTION} unless set.
         */
        public Builder retention(Duration retention) {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("the retention must be positive, was " + retention);
            }
            this.retention = retention;
            return this;
        }

        /** The clock the stream compares token expiry with (the resolver's own, in tests); the system's unless set. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds {@code servlet} at {@code pathSpec} of the server's one context, beside Nizhal's endpoints: an exact
         * path ({@code "/login"}), a prefix ({@code "/app/*"}) or {@code ""} for the root {@code /} alone. The more
         * specific mapping wins over the endpoints' {@code /*}, so a path under {@code /sync} or {@code /nizhal} is
         * refused, and so are {@code /*}, {@code /} and extension mappings ({@code *.html}), which could never win.
         * The same servlet added at several paths is one servlet with several mappings (initialized once). Its
         * responses carry the protocol header too, and Jetty's own errors stay Nizhal error JSON.
         *
         * @throws IllegalArgumentException for a path spec that is not an exact or prefix path, or one that would
         *     take a path of Nizhal's own
         */
        public Builder servlet(String pathSpec, Servlet servlet) {
            Objects.requireNonNull(pathSpec, "pathSpec");
            Objects.requireNonNull(servlet, "servlet");
            checkPathSpec(pathSpec);
            if (servlets.values().stream().anyMatch(specs -> specs.contains(pathSpec))) {
                throw new IllegalArgumentException("a servlet is already mapped at " + pathSpec);
            }
            servlets.computeIfAbsent(servlet, s -> {
                        servletOrder.add(s);
                        return new ArrayList<>();
                    })
                    .add(pathSpec);
            return this;
        }

        private static void checkPathSpec(String spec) {
            if (spec.isEmpty()) {
                return; // the servlet specification's "exact context root"
            }
            boolean prefix = spec.endsWith("/*");
            String path = prefix ? spec.substring(0, spec.length() - 2) : spec;
            if (!spec.startsWith("/") || path.isEmpty() || path.equals("/") || path.contains("*")) {
                throw new IllegalArgumentException("a servlet path spec is \"\" (the root), an exact path \"/a/b\""
                        + " or a prefix \"/a/*\"; was \"" + spec + "\"");
            }
            for (String own : List.of("/sync", "/nizhal")) {
                if (path.equals(own) || path.startsWith(own + "/")) {
                    throw new IllegalArgumentException(
                            "the path spec " + spec + " would take paths of Nizhal's own endpoints under " + own);
                }
            }
        }

        /**
         * Mounts the admin console under {@code /admin} (off by default): Vaadin's views over {@link Nizhal#inspect}
         * and {@link Nizhal#replays} (the Nizhal must be built with {@code operatorConsole(true)}), behind a gate that
         * lets in only tokens with the claim {@code nizhal_admin: true}, a sign-in page at {@code /admin-login}, and
         * Lumo's style sheets at {@code /lumo/*}.
         */
        public Builder adminConsole(boolean enabled) {
            this.adminConsole = enabled;
            return this;
        }

        private void mountAdminConsole(ServletContextHandler context) {
            AdminConsole console = new AdminConsole(nizhal.inspect(), nizhal.replays());
            // Vaadin loads its classes through the context's class loader; no class path is scanned here
            context.setClassLoader(AdminConsole.class.getClassLoader());
            AdminConsole.initializers()
                    .forEach((initializer, classes) ->
                            context.addServletContainerInitializer(initializer, classes.toArray(Class<?>[]::new)));
            ServletHolder admin = new ServletHolder("nizhal-admin", new AdminServlet(console));
            admin.setInitParameter("productionMode", "true");
            context.addServlet(admin, AdminConsole.PATH + "/*");
            context.addServlet(new ServletHolder("nizhal-admin-theme", new ThemeServlet()), "/lumo/*");
            context.addServlet(
                    new ServletHolder("nizhal-admin-login", new AdminAccess.Login(actors)), AdminAccess.LOGIN);
            FilterHolder gate = new FilterHolder(new AdminAccess.Gate(actors));
            context.addFilter(gate, AdminConsole.PATH, EnumSet.of(DispatcherType.REQUEST));
            context.addFilter(gate, AdminConsole.PATH + "/*", EnumSet.of(DispatcherType.REQUEST));
        }

        /**
         * Checks the engine's cursor key against its database's ({@link Nizhal#checkCursorKey()}), then starts.
         *
         * @throws CursorKeyMismatchException when the engine's cursor key is not the one the other instances of its
         *     database sign with (or it has none, and they have one)
         * @throws IllegalStateException when the server cannot start (the port is taken, for example)
         */
        public NizhalServer start() {
            nizhal.checkCursorKey();
            JaxrsEndpoints endpoints = JaxrsEndpoints.builder()
                    .pull(nizhal::pull)
                    .push(nizhal::push)
                    .contract(nizhal::contract)
                    .actors(actors)
                    .health(() -> {
                        Nizhal.Health health = nizhal.health();
                        return new HealthCheck.Health(health.databaseUp(), health.migrationsCurrent());
                    })
                    .limits(limits)
                    .maxConcurrentPulls(maxConcurrentPulls)
                    .requestRate(requestRate)
                    .build();

            QueuedThreadPool threads = new QueuedThreadPool();
            threads.setName("nizhal-http");
            Server server = new Server(threads);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            http.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(host);
            connector.setPort(port);
            server.addConnector(connector);

            ServletContextHandler context = new ServletContextHandler(
                    "/", adminConsole ? ServletContextHandler.SESSIONS : ServletContextHandler.NO_SESSIONS);
            context.setErrorHandler(new JettyErrorHandler.ForContext());
            if (adminConsole) {
                mountAdminConsole(context);
            }
            ServletHolder rest = new ServletHolder("nizhal-rest", new ServletContainer(jersey(endpoints)));
            rest.setInitOrder(0); // Jersey validates the resources at start, not on the first request
            context.addServlet(rest, "/*");
            // the stream hears local commits and has its poller's first position before any socket can connect
            StreamHub stream = new StreamHub(nizhal.watchChanges(), actors, clock, streamSettings);
            AutoCloseable commits = nizhal.addCommitListener(stream);
            AutoCloseable presence = nizhal.addPresence(stream);
            AutoCloseable listener = () -> {
                commits.close();
                presence.close();
            };
            stream.start();
            JakartaWebSocketServletContainerInitializer.configure(
                    context, (servletContext, container) -> container.addEndpoint(StreamEndpoint.config(stream)));
            for (int i = 0; i < servletOrder.size(); i++) {
                Servlet servlet = servletOrder.get(i);
                ServletHolder holder = new ServletHolder("app-" + i, servlet);
                for (String spec : servlets.get(servlet)) {
                    context.addServlet(holder, spec);
                }
            }

            server.setHandler(new Gate(context, bodyTimeout));
            server.setErrorHandler(new JettyErrorHandler.ForServer());
            server.setStopTimeout(stopTimeout.toMillis());
            try {
                server.start();
            } catch (Exception e) {
                closeQuietly(listener);
                stream.close();
                stopQuietly(server);
                throw new IllegalStateException("the Nizhal server could not start on port " + port, e);
            }
            ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("nizhal-maintenance").daemon().factory());
            RetentionJobs jobs = RetentionJobs.schedule(nizhal, maintenance, retention);
            NizhalServer started = new NizhalServer(server, connector, host, stream, listener, maintenance, jobs);
            LOG.log(System.Logger.Level.INFO, "Nizhal server listening on {0}", started.uri());
            return started;
        }

        private static ResourceConfig jersey(JaxrsEndpoints endpoints) {
            return new ResourceConfig()
                    .registerInstances(endpoints.singletons())
                    // the endpoints are the whole application: nothing found on the class path joins them
                    .property(ServerProperties.FEATURE_AUTO_DISCOVERY_DISABLE, true)
                    .property(ServerProperties.METAINF_SERVICES_LOOKUP_DISABLE, true)
                    .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                    .property(ServerProperties.BV_FEATURE_DISABLE, true);
            // a bodiless error status (404 of an unknown path, 405) goes through sendError, so JettyErrorHandler
            // writes it as the protocol's error JSON
        }

        private static void stopQuietly(Server server) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "stopping a server that failed to start", e);
            }
        }
    }

    /**
     * Counts requests in flight for a graceful stop, answers {@code TRANSIENT} to those that arrive while stopping,
     * refuses TRACE on every path (405), gives a request's body {@code bodyTimeout} to arrive, and puts the protocol header on every response, also Jetty's own.
     */
    private static final class Gate extends GracefulHandler {
        /** Refused on every path: TRACE, and TRACK, its old Microsoft twin. */
        private static final Set<String> TRACE = Set.of("TRACE", "TRACK");

        private final Duration bodyTimeout;

        Gate(Handler handler, Duration bodyTimeout) {
            super(handler);
            this.bodyTimeout = bodyTimeout;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            response.getHeaders().put(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
            if (TRACE.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
                // a servlet's default doTrace echoes the request, credentials included (cross-site tracing)
                JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(405);
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "HTTP 405 {0} [correlation id {1}]: {2} refused",
                        error.code(),
                        error.correlationId(),
                        request.getMethod());
                response.setStatus(error.status());
                error.headers().forEach(response.getHeaders()::put);
                response.write(true, ByteBuffer.wrap(error.body()), callback);
                return true;
            }
            Callback[] completion = {callback};
            Request limited = BodyDeadline.of(request, bodyTimeout, completion);
            return super.handle(limited, response, completion[0]);
        }

        @Override
        protected void handleShutdownRejection(Request request, Response response, Callback callback) {
            JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(
                    SyncErrorCode.TRANSIENT, "the server is stopping; retry on another instance or later");
            response.setStatus(error.status());
            error.headers().forEach(response.getHeaders()::put);
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            response.write(true, ByteBuffer.wrap(error.body()), callback);
        }
    }
}
