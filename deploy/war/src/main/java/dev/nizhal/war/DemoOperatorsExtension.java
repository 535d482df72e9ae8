package dev.nizhal.war;

import dev.nizhal.jakarta.NizhalSettings;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Leaves the demo's sign-in ({@link DemoOperatorSignIn}, {@link DemoOperators}) out of the application unless the
 * admin console is on: without an authentication mechanism the server's security does not look at the sync API's
 * requests at all (Open Liberty 26.0.0.5 answers 500 to a malformed {@code Authorization: Basic} header on every path
 * once one is installed).
 */
public class DemoOperatorsExtension implements Extension {
    void signIn(@Observes ProcessAnnotatedType<DemoOperatorSignIn> type) {
        if (!consoleOn()) {
            type.veto();
        }
    }

    void operators(@Observes ProcessAnnotatedType<DemoOperators> type) {
        if (!consoleOn()) {
            type.veto();
        }
    }

    /** Whether the admin console is on (a bad setting counts as off). */
    static boolean consoleOn() {
        try {
            Config config = ConfigProvider.getConfig(DemoOperatorsExtension.class.getClassLoader());
            return NizhalSettings.adminConsole(key -> config.getOptionalValue(key, String.class));
        } catch (IllegalArgumentException e) {
            return false; // the bad setting is logged by the console's mount and by the engine's start
        }
    }
}
