package dev.nizhal.admin;

import com.vaadin.flow.server.VaadinServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;

/** Vaadin's servlet for the console, in production mode; it puts the console where the views find it. */
public class AdminServlet extends VaadinServlet {
    private final transient AdminConsole console;
    private volatile boolean refused;

    public AdminServlet(AdminConsole console) {
        this.console = Objects.requireNonNull(console, "console");
    }

    /**
     * Makes this servlet answer every request 403 (a host that registered it but could not secure it: servlets cannot be
     * unregistered).
     */
    public void refuseAll() {
        refused = true;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        if (refused) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        super.service(request, response);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        config.getServletContext().setAttribute(AdminConsole.class.getName(), console);
        super.init(config);
    }
}
