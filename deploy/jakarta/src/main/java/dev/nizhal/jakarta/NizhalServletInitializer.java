package dev.nizhal.jakarta;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Joins Nizhal to the web application, whatever its {@code web.xml} says: the {@link NizhalLifecycle} listener, the
 * {@link NizhalErrorFilter} on Nizhal's paths and, when {@value NizhalSettings#ADMIN_CONSOLE} is true and the {@code
 * nizhal-admin-console} jar is in the WAR, the admin console ({@link AdminConsoleMount}). Found by the server through
 * {@code META-INF/services}.
 */
public class NizhalServletInitializer implements ServletContainerInitializer {
    private static final System.Logger LOG = System.getLogger(NizhalServletInitializer.class.getName());

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        mountAdminConsole(context);
        context.addListener(NizhalLifecycle.class);
        FilterRegistration.Dynamic errors = context.addFilter("nizhal-errors", NizhalErrorFilter.class);
        errors.setAsyncSupported(true);
        errors.addMappingForUrlPatterns(
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR), false, "/sync/*", "/nizhal/*");
    }

    private static void mountAdminConsole(ServletContext context) {
        ClassLoader loader = context.getClassLoader();
        boolean wanted;
        try {
            Config config = ConfigProvider.getConfig(loader);
            wanted = NizhalSettings.adminConsole(key -> config.getOptionalValue(key, String.class));
        } catch (IllegalArgumentException e) {
            // the engine's start reports the same bad setting, and readiness names it
            LOG.log(System.Logger.Level.ERROR, "the admin console is not served: " + e.getMessage());
            return;
        }
        if (!wanted) {
            return;
        }
        if (!AdminConsoleMount.available(loader)) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "the admin console is not served: " + NizhalSettings.ADMIN_CONSOLE
                            + " is true, but the nizhal-admin-console jar is not in the web application");
            return;
        }
        try {
            AdminConsoleMount.mount(context);
        } catch (IllegalStateException e) {
            // the rest of the application serves; the console does not, rather than unprotected
            LOG.log(System.Logger.Level.ERROR, "the admin console is not served: " + e.getMessage());
            return;
        }
        LOG.log(
                System.Logger.Level.INFO,
                "the admin console is served at " + context.getContextPath().replaceAll("/$", "")
                        + AdminConsoleMount.PATH + "/ to the role " + AdminConsoleMount.ROLE);
    }
}
