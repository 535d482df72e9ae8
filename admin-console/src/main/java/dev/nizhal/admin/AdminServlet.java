package dev.nizhal.admin;

import com.vaadin.flow.server.VaadinServlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import java.util.Objects;

/** Vaadin's servlet for the console, in production mode; it puts the console where the views find it. */
public class AdminServlet extends VaadinServlet {
    private final transient AdminConsole console;

    public AdminServlet(AdminConsole console) {
        this.console = Objects.requireNonNull(console, "console");
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        config.getServletContext().setAttribute(AdminConsole.class.getName(), console);
        super.init(config);
    }
}
