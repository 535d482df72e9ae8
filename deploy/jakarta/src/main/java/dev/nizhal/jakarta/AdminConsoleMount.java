package dev.nizhal.jakarta;

import dev.nizhal.Nizhal;
import dev.nizhal.admin.AdminConsole;
import dev.nizhal.admin.AdminServlet;
import dev.nizhal.admin.ThemeServlet;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.HttpConstraintElement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletSecurityElement;
import java.util.Set;
import java.util.function.Function;

/**
 * Mounts the admin console of the {@code nizhal-admin-console} jar at {@value AdminConsole#PATH}{@code /*}, behind the
 * container's security: every URL under it, Vaadin's own requests included, needs the role {@value AdminConsole#ROLE}
 * (how operators authenticate, and which of them have the role, is the application's and the server's: a realm,
 * LDAP, OIDC or a Jakarta Security mechanism). Loaded only when that jar is in the WAR.
 *
 * <p>The servlet is mounted when the web application starts; the engine may start later (its database may come
 * later), so the console asks {@link NizhalRuntime} for it at each request, and shows why it is not serving meanwhile.
 */
final class AdminConsoleMount {
    static final String SERVLET = "nizhal-admin";
    static final String PATH = AdminConsole.PATH;
    static final String ROLE = AdminConsole.ROLE;

    private AdminConsoleMount() {}

    /**
     * Mounts the console.
     *
     * @throws IllegalStateException when the web application already maps {@code /admin/*}, or constrains it in its
     *     {@code web.xml} (which would replace the role): the console is then not served
     */
    static void mount(ServletContext context) {
        AdminConsole console = AdminConsole.deferred(() -> engine().inspect(), () -> engine().replays());
        AdminServlet servlet = new AdminServlet(console);
        ServletRegistration.Dynamic admin = context.addServlet(SERVLET, servlet);
        if (admin == null) {
            throw new IllegalStateException("the web application already has a servlet named " + SERVLET);
        }
        admin.setInitParameter("productionMode", "true");
        admin.setAsyncSupported(true);
        admin.setLoadOnStartup(1);
        Set<String> taken = admin.addMapping(AdminConsole.PATH + "/*");
        if (!taken.isEmpty()) {
            throw new IllegalStateException("another servlet of the web application is mapped at " + taken);
        }
        context.declareRoles(AdminConsole.ROLE);
        // every method, every URL of the servlet; the server refuses before Vaadin sees the request
        Set<String> unprotected = admin.setServletSecurity(new ServletSecurityElement(new HttpConstraintElement(
                jakarta.servlet.annotation.ServletSecurity.TransportGuarantee.NONE, AdminConsole.ROLE)));
        if (!unprotected.isEmpty()) {
            // the web.xml's own constraint on these patterns wins over the role; a registered servlet cannot be
            // removed, so it refuses every request instead
            servlet.refuseAll();
            throw new IllegalStateException("the web application's web.xml has a security constraint on " + unprotected
                    + ", which would replace the console's role " + AdminConsole.ROLE + "; remove it");
        }
        // Lumo's public style sheets, where the console's page asks for them: the container would serve them from
        // the jar's META-INF/resources, but Nizhal's JAX-RS application takes every path it does not map
        ServletRegistration.Dynamic theme = context.addServlet(SERVLET + "-theme", new ThemeServlet());
        if (theme != null) {
            theme.addMapping("/lumo/*");
        }
    }

    /** Whether the console jar is in the web application. */
    static boolean available(ClassLoader loader) {
        try {
            Class.forName("dev.nizhal.admin.AdminServlet", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The started engine, or why there is none (the reason readiness reports, never a library's words). */
    private static Nizhal engine() {
        NizhalRuntime runtime = CDI.current().select(NizhalRuntime.class).get();
        Function<String, AdminConsole.Unavailable> unavailable =
                reason -> new AdminConsole.Unavailable("Nizhal is not serving: " + reason + ".");
        return runtime.nizhal()
                .orElseThrow(() -> unavailable.apply(runtime.failure().orElse("starting")));
    }
}
