package dev.nizhal.server;

import dev.nizhal.admin.AdminConsole;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * The embedded server's gate to the admin console: every request under {@code /admin} (Vaadin's own included) needs a
 * bearer token, in the {@value #COOKIE} cookie that {@code /admin-login} sets or in an {@code Authorization} header,
 * that the server's JWT settings accept and that carries the claim {@value #CLAIM}{@code : true} ({@code nizhal
 * admin-token} mints one). Anything else gets 403. The operator's name is the token's subject.
 */
final class AdminAccess {
    static final String COOKIE = "nizhal_admin";
    static final String CLAIM = "nizhal_admin";
    static final String LOGIN = "/admin-login";

    private AdminAccess() {}

    /** The operator of a token, or why it is refused. */
    private sealed interface Verdict {}

    private record Admitted(Actor actor) implements Verdict {}

    private record Refused(String why) implements Verdict {}

    private static Verdict check(ActorResolver actors, String token) {
        if (token == null || token.isBlank()) {
            return new Refused("The admin console needs an admin token.");
        }
        Actor actor;
        try {
            actor = actors.resolve(token.startsWith("Bearer ") ? token : "Bearer " + token);
        } catch (SyncException e) {
            return new Refused("The token was refused: " + e.getMessage());
        }
        if (!Boolean.TRUE.equals(actor.claim(CLAIM).orElse(null))) {
            return new Refused("This token carries no admin claim: " + actor.id() + " is not an operator.");
        }
        return new Admitted(actor);
    }

    private static void refuse(HttpServletResponse response, String why) throws IOException {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream()
                .write(page(
                                "Forbidden",
                                "<p>" + escape(why) + "</p><p>Mint a token with <code>nizhal"
                                        + " admin-token --name &lt;your name&gt;</code> (same data folder or JWT settings as the server),"
                                        + " then <a href=\"" + LOGIN + "\">sign in</a>.</p>")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static String page(String title, String body) {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title + " · Nizhal admin</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5}"
                + "textarea{width:100%;height:8rem}</style></head><body><h1>" + title + "</h1>" + body
                + "</body></html>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    /** The filter on {@code /admin} and {@code /admin/*}. */
    static final class Gate implements Filter {
        private final ActorResolver actors;

        Gate(ActorResolver actors) {
            this.actors = actors;
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            HttpServletResponse response = (HttpServletResponse) res;
            String token =
                    Optional.ofNullable(request.getHeader("Authorization")).orElseGet(() -> cookie(request));
            switch (check(actors, token)) {
                case Refused r -> refuse(response, r.why());
                case Admitted a -> chain.doFilter(new Operator(request, a.actor()), response);
            }
        }

        private static String cookie(HttpServletRequest request) {
            if (request.getCookies() == null) {
                return null;
            }
            for (Cookie c : request.getCookies()) {
                if (COOKIE.equals(c.getName())) {
                    return c.getValue();
                }
            }
            return null;
        }
    }

    /** The request as the console sees it: the operator is its principal, in the role {@link AdminConsole#ROLE}. */
    private static final class Operator extends HttpServletRequestWrapper {
        private final Principal principal;

        Operator(HttpServletRequest request, Actor actor) {
            super(request);
            this.principal = actor::id;
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }

        @Override
        public String getRemoteUser() {
            return principal.getName();
        }

        @Override
        public boolean isUserInRole(String role) {
            return AdminConsole.ROLE.equals(role);
        }
    }

    /** {@code /admin-login}: a form to paste an admin token; a good one becomes the console's cookie. */
    static final class Login extends HttpServlet {
        private final transient ActorResolver actors;

        Login(ActorResolver actors) {
            this.actors = actors;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/html;charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            response.getOutputStream()
                    .write(page(
                                    "Sign in",
                                    "<form method=\"post\" action=\"" + LOGIN + "\">"
                                            + "<p><label for=\"token\">Admin token (<code>nizhal admin-token --name &lt;you&gt;</code>)"
                                            + "</label></p><textarea id=\"token\" name=\"token\" required></textarea>"
                                            + "<p><button type=\"submit\">Sign in</button></p></form>")
                            .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String token = Optional.ofNullable(request.getParameter("token"))
                    .map(String::strip)
                    .orElse("");
            switch (check(actors, token)) {
                case Refused r -> refuse(response, r.why());
                case Admitted a -> {
                    Cookie cookie = new Cookie(COOKIE, token);
                    cookie.setHttpOnly(true);
                    cookie.setSecure(request.isSecure());
                    cookie.setPath(AdminConsole.PATH);
                    cookie.setAttribute("SameSite", "Strict");
                    expiry(a.actor())
                            .ifPresent(exp -> cookie.setMaxAge((int) Math.max(
                                    1, exp.getEpochSecond() - Instant.now().getEpochSecond())));
                    response.addCookie(cookie);
                    response.setStatus(HttpServletResponse.SC_SEE_OTHER);
                    response.setHeader("Location", AdminConsole.PATH + "/");
                }
            }
        }

        private static Optional<Instant> expiry(Actor actor) {
            return actor.claim("exp").map(exp -> switch (exp) {
                case Date d -> d.toInstant();
                case Number n -> Instant.ofEpochSecond(n.longValue());
                case Instant i -> i;
                default -> null;
            });
        }
    }
}
