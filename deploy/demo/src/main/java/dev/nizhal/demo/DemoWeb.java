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
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's web page and its development-only login, on the Nizhal server's port: the page at {@code /} (the exact
 * root), its static files under {@code /demo/} (from the class path, {@code dev/nizhal/demo/web/}; no listing), and
 * {@code POST /demo/login} with {@code {"user":"alice"}}, answering {@code {"token":"…","user":"alice"}}.
 *
 * <p>The login signs a 12-hour token for the demo users {@code alice} and {@code bob} to anyone who asks: it exists
 * only in the demo. A real application gets its tokens from its own identity provider.
 */
public final class DemoWeb extends HttpServlet {
    /** The users the demo's login signs tokens for. */
    public static final List<String> USERS = List.of("alice", "bob");

    /** How long a token of the demo's login is valid (as the tokens the demo prints). */
    public static final Duration TOKEN_VALIDITY = Duration.ofHours(12);

    private static final String RESOURCES = "dev/nizhal/demo/web/";
    private static final Pattern FILE = Pattern.compile("/([a-z0-9][a-z0-9-]*)\\.(html|js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=utf-8",
            "js", "text/javascript;charset=utf-8",
            "css", "text/css;charset=utf-8",
            "svg", "image/svg+xml");
    private static final Pattern HOST =
            Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+](:[0-9]{1,5})?");
    private static final int MAX_LOGIN_BODY = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HmacTokenIssuer tokens;

    public DemoWeb(HmacTokenIssuer tokens) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
    }

    /** Adds the page ({@code ""}, the root) and {@code /demo/*} to {@code builder}, with tokens from {@code tokens}. */
    public static NizhalServer.Builder install(NizhalServer.Builder builder, HmacTokenIssuer tokens) {
        DemoWeb web = new DemoWeb(tokens);
        return builder.servlet("", web).servlet("/demo/*", web);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getServletPath().isEmpty()) {
            serve("index", "html", request, response);
            return;
        }
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.equals("/login")) {
            response.setHeader("Allow", "POST");
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        Matcher file = FILE.matcher(path);
        if (!file.matches()) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND); // also "/demo/": no listing
            return;
        }
        serve(file.group(1), file.group(2), request, response);
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

    private void serve(String name, String extension, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        byte[] content;
        try (InputStream in = DemoWeb.class.getClassLoader().getResourceAsStream(RESOURCES + name + "." + extension)) {
            if (in == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            content = in.readAllBytes();
        }
        response.setStatus(200);
        response.setContentType(TYPES.get(extension));
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (extension.equals("html")) {
            response.setHeader("Content-Security-Policy", contentSecurityPolicy(request));
        }
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
