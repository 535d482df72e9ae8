package dev.nizhal.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.server.NizhalServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The demo's web app and its development-only login, on the Nizhal server's port. The app is the Vite build of
 * {@code clients/apps/demo} (built with base {@code /demo/}), served from a folder on disk: its {@code index.html} at
 * {@code /} (the exact root), every regular file inside the folder under {@code /demo/} (no listing, nothing outside
 * the folder, no hidden files), and {@code POST /demo/login} with {@code {"user":"alice"}}, answering
 * {@code {"token":"…","user":"alice"}}. While the folder or its {@code index.html} is missing, {@code /} answers 503
 * with how to build it; the folder is looked at on every request, so a build made while the server runs is served.
 * Scripts at the top of the folder (a service worker at {@code /demo/sw.js}) may be registered with scope {@code /}.
 *
 * <p>The login signs a 12-hour token for the demo users {@code alice} and {@code bob} to anyone who asks: it exists
 * only in the demo. A real application gets its tokens from its own identity provider.
 */
public final class DemoWeb extends HttpServlet {
    /** The users the demo's login signs tokens for. */
    public static final List<String> USERS = List.of("alice", "bob");

    /** How long a token of the demo's login is valid (as the tokens the demo prints). */
    public static final Duration TOKEN_VALIDITY = Duration.ofHours(12);

    /** The environment variable naming the web app's folder. */
    public static final String WEB_VARIABLE = "NIZHAL_DEMO_WEB";

    /** The web app's folder when {@link #WEB_VARIABLE} is not set, relative to the working directory. */
    public static final Path DEFAULT_WEB = Path.of("clients", "apps", "demo", "dist");

    /** How to build the web app, from the project folder. */
    public static final String BUILD_COMMAND = "cd clients && npm ci && npm run build";

    private static final System.Logger LOG = System.getLogger(DemoWeb.class.getName());
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html;charset=utf-8"),
            Map.entry("js", "text/javascript;charset=utf-8"),
            Map.entry("mjs", "text/javascript;charset=utf-8"),
            Map.entry("css", "text/css;charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain;charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("wasm", "application/wasm"));
    /** Vite names every file under {@code assets/} by a hash of its content: it never changes under its name. */
    private static final String HASHED = "assets/";

    private static final Pattern HOST =
            Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");
    private static final int MAX_LOGIN_BODY = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HmacTokenIssuer tokens;
    private final Path web;

    /** The login signs with {@code tokens}; the app is served from the folder {@code web}. */
    public DemoWeb(HmacTokenIssuer tokens, Path web) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.web = Objects.requireNonNull(web, "web").toAbsolutePath().normalize();
    }

    /** {@code NIZHAL_DEMO_WEB} if set, else {@code clients/apps/demo/dist} under the working directory. */
    public static Path webFromEnvironment() {
        String set = System.getenv(WEB_VARIABLE);
        return (set == null || set.isBlank() ? DEFAULT_WEB : Path.of(set))
                .toAbsolutePath()
                .normalize();
    }

    /** Whether {@code web} holds a built app (an {@code index.html}). */
    public static boolean isBuilt(Path web) {
        return Files.isRegularFile(web.resolve("index.html"));
    }

    /**
     * Adds the app ({@code ""}, the root) and {@code /demo/*} to {@code builder}, with tokens from {@code tokens} and
     * the app's files from {@code web}; logs one line when {@code web} holds no built app.
     */
    public static NizhalServer.Builder install(NizhalServer.Builder builder, HmacTokenIssuer tokens, Path web) {
        DemoWeb servlet = new DemoWeb(tokens, web);
        if (!isBuilt(servlet.web)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "the demo''s web app is not built ({0} has no index.html): run `{1}` in the project folder,"
                            + " or set {2} to its dist folder; until then / answers 503",
                    servlet.web,
                    BUILD_COMMAND,
                    WEB_VARIABLE);
        }
        return builder.servlet("", servlet).servlet("/demo/*", servlet);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getServletPath().isEmpty()) {
            Path index = web.resolve("index.html");
            if (!Files.isRegularFile(index)) {
                notBuilt(response);
                return;
            }
            serve(index, "index.html", request, response);
            return;
        }
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.equals("/login")) {
            response.setHeader("Allow", "POST");
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        Optional<Path> file = fileAt(path);
        if (file.isEmpty()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND); // also "/demo/" and folders: no listing
            return;
        }
        serve(file.get(), path.substring(1), request, response);
    }

    /**
     * The regular file at {@code path} ({@code /a/b.js}) inside the web folder: every segment a plain name (no empty,
     * {@code .}, {@code ..} or hidden segment, no backslash), and the file, links followed, still inside the folder.
     */
    private Optional<Path> fileAt(String path) throws IOException {
        if (!path.startsWith("/") || path.length() == 1 || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.startsWith(".")) {
                return Optional.empty();
            }
        }
        Path file = web.resolve(path.substring(1)).normalize();
        if (!file.startsWith(web) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Path real = file.toRealPath();
            return real.startsWith(web.toRealPath()) ? Optional.of(real) : Optional.empty();
        } catch (NoSuchFileException goneMeanwhile) {
            return Optional.empty();
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/demo".equals(request.getServletPath()) || !"/login".equals(request.getPathInfo())) {
            response.setHeader("Allow", "GET, HEAD");
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        response.setHeader("Cache-Control", "no-store");
        byte[] body = request.getInputStream().readNBytes(MAX_LOGIN_BODY + 1);
        JsonNode user;
        try {
            user = body.length > MAX_LOGIN_BODY ? null : JSON.readTree(body).get("user");
        } catch (IOException notJson) {
            user = null;
        }
        if (user == null || !user.isTextual()) {
            error(response, 400, "MALFORMED_REQUEST", "send {\"user\": \"alice\"} or {\"user\": \"bob\"} as JSON");
            return;
        }
        if (!USERS.contains(user.asText())) {
            error(
                    response,
                    403,
                    "FORBIDDEN",
                    "the demo's development login knows only the users " + String.join(" and ", USERS));
            return;
        }
        ObjectNode answer = JSON.createObjectNode()
                .put("token", tokens.sign(user.asText(), TOKEN_VALIDITY))
                .put("user", user.asText());
        write(response, 200, answer);
    }

    private void serve(Path file, String relative, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        byte[] content = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        response.setStatus(200);
        response.setContentType(TYPES.getOrDefault(extension, "application/octet-stream"));
        response.setHeader(
                "Cache-Control", relative.startsWith(HASHED) ? "public, max-age=31536000, immutable" : "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (extension.equals("html")) {
            response.setHeader("Content-Security-Policy", contentSecurityPolicy(request));
        }
        if (extension.equals("js") && relative.indexOf('/') < 0) {
            // a script at the top of the build (Vite's public/: the app's service worker) may control the whole
            // origin, since the app lives at / while its files are under /demo/
            response.setHeader("Service-Worker-Allowed", "/");
        }
        response.setContentLength(content.length);
        response.getOutputStream().write(content);
    }

    private void notBuilt(HttpServletResponse response) throws IOException {
        byte[] content =
                ("The demo's web app is not built.\n\nBuild it from the project folder (Node 20.19 or newer):\n\n    "
                                + BUILD_COMMAND + "\n\nthen reload this page (./demo does this by itself), or set "
                                + WEB_VARIABLE + " to the app's dist folder and restart.\n")
                        .getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("text/plain;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(content.length);
        response.getOutputStream().write(content);
    }

    /** The page loads and connects only to its own origin; the WebSocket origin is named for older browsers. */
    private static String contentSecurityPolicy(HttpServletRequest request) {
        String host = request.getHeader("Host");
        String sockets = host != null && HOST.matcher(host).matches()
                ? " " + (request.isSecure() ? "wss://" : "ws://") + host
                : "";
        return "default-src 'self'; connect-src 'self'" + sockets
                + "; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
    }

    private static void error(HttpServletResponse response, int status, String code, String message)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message).put("retryable", false);
        write(response, status, body);
    }

    private static void write(HttpServletResponse response, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
