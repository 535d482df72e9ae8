package dev.nizhal.admin;

import com.vaadin.flow.server.VaadinRequest;
import com.vaadin.flow.server.VaadinServlet;
import com.vaadin.flow.server.startup.ErrorNavigationTargetInitializer;
import com.vaadin.flow.server.startup.LookupServletContainerInitializer;
import com.vaadin.flow.server.startup.RouteRegistryInitializer;
import com.vaadin.flow.server.startup.VaadinAppShellInitializer;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.ReplayMutation;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The admin console: what its views read ({@link InspectSyncState}) and do ({@link ReplayMutation}), kept in the
 * servlet context by {@link AdminServlet}. Hosts mount {@link AdminServlet} at {@value #PATH}{@code /*} behind their
 * own access control (the operator is the request's principal), serve {@link ThemeServlet} at {@code /lumo/*} when
 * they do not serve {@code META-INF/resources} of jars themselves, and, when they scan no classes, run {@link
 * #initializers()}.
 *
 * <p>A host whose engine starts after its servlets (a WAR, whose database may come later) passes suppliers ({@link
 * #deferred}): while one throws {@link Unavailable}, the views show its reason instead of their data.
 */
public final class AdminConsole {
    /** Where the console is mounted. */
    public static final String PATH = "/admin";
    /** The role an operator needs (the WAR's container security; the embedded server maps its admin claim to it). */
    public static final String ROLE = "nizhal-admin";

    private final Supplier<InspectSyncState> inspect;
    private final Supplier<ReplayMutation> replays;

    private AdminConsole(Supplier<InspectSyncState> inspect, Supplier<ReplayMutation> replays) {
        this.inspect = Objects.requireNonNull(inspect, "inspect");
        this.replays = Objects.requireNonNull(replays, "replays");
    }

    /** The console over a running engine's ports. */
    public AdminConsole(InspectSyncState inspect, ReplayMutation replays) {
        this(constant(inspect, "inspect"), constant(replays, "replays"));
    }

    /**
     * The console over ports that exist once the host's engine has started: each supplier returns them then, and
     * throws {@link Unavailable} (with a reason an operator may read) before.
     */
    public static AdminConsole deferred(Supplier<InspectSyncState> inspect, Supplier<ReplayMutation> replays) {
        return new AdminConsole(inspect, replays);
    }

    private static <T> Supplier<T> constant(T port, String name) {
        Objects.requireNonNull(port, name);
        return () -> port;
    }

    /** What the views read. */
    InspectSyncState inspect() {
        return inspect.get();
    }

    /** What the journal's replay does. */
    ReplayMutation replays() {
        return replays.get();
    }

    /**
     * The engine behind the console is not serving (not started yet, or stopped): the views show the reason ({@code
     * TRANSIENT}: it passes once the engine has started).
     */
    public static final class Unavailable extends SyncException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String reason) {
            super(SyncErrorCode.TRANSIENT, reason);
        }
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
        all.put(new ErrorNavigationTargetInitializer(), Set.of(UnavailableView.class));
        return all;
    }
}
