package dev.nizhal.admin;

import com.vaadin.flow.server.VaadinRequest;
import com.vaadin.flow.server.VaadinServlet;
import com.vaadin.flow.server.startup.LookupServletContainerInitializer;
import com.vaadin.flow.server.startup.RouteRegistryInitializer;
import com.vaadin.flow.server.startup.VaadinAppShellInitializer;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.ReplayMutation;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The admin console: what its views read ({@link InspectSyncState}) and do ({@link ReplayMutation}), kept in the
 * servlet context by {@link AdminServlet}. Hosts mount {@link AdminServlet} at {@value #PATH}{@code /*} behind their
 * own access control (the operator is the request's principal), serve {@link ThemeServlet} at {@code /lumo/*} when
 * they do not serve {@code META-INF/resources} of jars themselves, and, when they scan no classes, run {@link
 * #initializers()}.
 */
public record AdminConsole(InspectSyncState inspect, ReplayMutation replays) {
    /** Where the console is mounted. */
    public static final String PATH = "/admin";
    /** The role an operator needs (the WAR's container security; the embedded server maps its admin claim to it). */
    public static final String ROLE = "nizhal-admin";

    public AdminConsole {
        Objects.requireNonNull(inspect, "inspect");
        Objects.requireNonNull(replays, "replays");
    }

    /** The console of the running request's servlet. */
    static AdminConsole current() {
        ServletContext context = VaadinServlet.getCurrent().getServletContext();
        AdminConsole console = (AdminConsole) context.getAttribute(AdminConsole.class.getName());
        if (console == null) {
            throw new IllegalStateException("the admin console's servlet did not register the console");
        }
        return console;
    }

    /** The operator of the running request: its principal's name (hosts let only operators in). */
    static String operator() {
        Principal principal = VaadinRequest.getCurrent() == null
                ? null
                : VaadinRequest.getCurrent().getUserPrincipal();
        return principal == null ? "unknown operator" : principal.getName();
    }

    /**
     * The servlet container initializers Vaadin needs, with the classes each handles, for a host that does not scan
     * the class path (an embedded Jetty {@code ServletContextHandler}); a WAR's container finds them itself.
     */
    public static Map<ServletContainerInitializer, Set<Class<?>>> initializers() {
        Map<ServletContainerInitializer, Set<Class<?>>> all = new LinkedHashMap<>();
        all.put(new LookupServletContainerInitializer(), Set.of(com.vaadin.flow.di.LookupInitializer.class));
        all.put(new RouteRegistryInitializer(), Set.copyOf(Views.ALL));
        all.put(new VaadinAppShellInitializer(), Set.of(AdminShell.class));
        return all;
    }
}
