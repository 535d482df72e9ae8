package dev.nizhal.war;

import dev.nizhal.admin.AdminConsole;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * The demo WAR's sign-in page at {@value #LOGIN}, outside {@code /admin} as on the embedded server: a form for the
 * operator's name and password, which {@link DemoOperatorSignIn} checks when it is posted. An operator is then sent to
 * the console (303 to {@code /admin/}); anyone else gets the form again with 403 and one line that says no more than
 * that the sign-in was refused. The POST is the mechanism's work; the page only says what came of it. There is no
 * sign-out: the session ends with the browser or its timeout. Mounted by {@link DemoSignInMount} while the console
 * is on.
 */
final class DemoSignInPage extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String LOGIN = "/admin-login";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        form(request, response, HttpServletResponse.SC_OK, "");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // the mechanism has done the work; this request itself is anonymous and must not touch the session
        Object outcome = request.getAttribute(DemoOperatorSignIn.OUTCOME);
        if (outcome == DemoOperatorSignIn.Outcome.SIGNED_IN) {
            seeOther(response, request.getContextPath() + AdminConsole.PATH + "/");
            return;
        }
        String why = outcome == DemoOperatorSignIn.Outcome.CROSS_SITE
                ? "Sign-in refused: the form came from another site."
                : "Sign-in refused: wrong user name or password, or not an operator.";
        form(request, response, HttpServletResponse.SC_FORBIDDEN, why);
    }

    private static void form(HttpServletRequest request, HttpServletResponse response, int status, String error)
            throws IOException {
        write(
                response,
                status,
                "Sign in",
                (error.isEmpty() ? "" : "<p role=\"alert\"><strong>" + escape(error) + "</strong></p>")
                        + "<form method=\"post\" action=\"" + login(request) + "\">"
                        + "<p><label for=\"username\">User name</label><br>"
                        + "<input id=\"username\" name=\"username\" autocomplete=\"username\" required></p>"
                        + "<p><label for=\"password\">Password</label><br><input id=\"password\" name=\"password\""
                        + " type=\"password\" autocomplete=\"current-password\" required></p>"
                        + "<p><button type=\"submit\">Sign in</button></p></form>");
    }

    private static void seeOther(HttpServletResponse response, String location) {
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", location);
        response.setHeader("Cache-Control", "no-store");
    }

    /** The sign-in page's path in this web application. */
    static String login(HttpServletRequest request) {
        return request.getContextPath() + LOGIN;
    }

    /**
     * Whether a POST comes from a page of this server: a browser names the page's origin in {@code Origin} (and says
     * {@code Sec-Fetch-Site}), so a form posted by another site, which could sign a victim in as the attacker, is
     * refused. A tool that sends neither (curl) is let through: it is no victim's browser.
     */
    static boolean sameOrigin(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return false;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        String host = request.getHeader("Host");
        try {
            String authority = new URI(origin).getRawAuthority();
            return authority != null && host != null && authority.equalsIgnoreCase(host.strip());
        } catch (URISyntaxException e) {
            return false; // "null" from a sandboxed page, or garbage
        }
    }

    /** A small HTML page, never cached. */
    static void write(HttpServletResponse response, int status, String title, String body) throws IOException {
        response.setStatus(status);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream()
                .write(("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title
                                + " · Nizhal admin</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;"
                                + "margin:4rem auto;line-height:1.5}</style></head><body><h1>" + title + "</h1>" + body
                                + "</body></html>")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
