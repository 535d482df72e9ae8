package dev.nizhal.admin;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/**
 * Serves Lumo's style sheets ({@code META-INF/resources/lumo/} of the Lumo jar) at {@code /lumo/*}, where the console's
 * page asks for them, for a host that does not serve the {@code META-INF/resources} of its jars (a WAR's container does).
 */
public class ThemeServlet extends HttpServlet {
    private static final String ROOT = "META-INF/resources/lumo/";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null || path.contains("..") || !path.matches("/[A-Za-z0-9_./-]+")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (InputStream in = ThemeServlet.class.getClassLoader().getResourceAsStream(ROOT + path.substring(1))) {
            if (in == null) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
                return;
            }
            response.setContentType(
                    path.endsWith(".css") ? "text/css" : getServletContext().getMimeType(path));
            response.setHeader("Cache-Control", "public, max-age=3600");
            in.transferTo(response.getOutputStream());
        }
    }
}
