package dev.nizhal.jakarta;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jaxrs.HealthCheck;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Nizhal's JAX-RS endpoints ({@code POST /sync/pull}, {@code POST /sync/push}, {@code GET /nizhal/contract}, {@code GET
 * /nizhal/health}) at the root of the WAR. They call the engine of {@link NizhalRuntime}, which may start after them
 * or not at all: until it runs they answer 503 {@code TRANSIENT} and health reports DOWN.
 *
 * <p>Their limits ({@code nizhal.limit.*}) are read when the application makes them.
 *
 * <p>Mapped to {@code /*}: an application's own servlets at more specific paths ({@code /api/*}) are served beside it.
 */
@ApplicationPath("/")
public class NizhalRestApplication extends Application {
    private volatile Set<Object> singletons;

    @Override
    @SuppressWarnings("deprecation") // getSingletons is how every runtime takes ready-made resource instances
    public Set<Object> getSingletons() {
        Set<Object> made = singletons;
        if (made == null) {
            made = endpoints(CDI.current().select(NizhalRuntime.class).get(), limits());
            singletons = made;
        }
        return made;
    }

    /**
     * The limits of {@code nizhal.limit.*}; their defaults when a value is bad, since the runtime's start then
     * refuses to serve and logs the key (every request is answered 503 meanwhile).
     */
    static NizhalSettings.Limits limits() {
        try {
            Config config = ConfigProvider.getConfig(Thread.currentThread().getContextClassLoader());
            return NizhalSettings.limits(key -> config.getOptionalValue(key, String.class));
        } catch (IllegalArgumentException e) {
            return NizhalSettings.Limits.DEFAULTS;
        }
    }

    static Set<Object> endpoints(NizhalRuntime runtime, NizhalSettings.Limits limits) {
        return JaxrsEndpoints.builder()
                .pull((actor, request) -> runtime.engine().pull(actor, request))
                .push((actor, request) -> runtime.engine().push(actor, request))
                .contract(() -> runtime.engine().contract())
                .actors(credentials -> runtime.actors().resolve(credentials))
                .health(() -> runtime.nizhal()
                        .map(Nizhal::health)
                        .map(h -> new HealthCheck.Health(h.databaseUp(), h.migrationsCurrent()))
                        .orElse(new HealthCheck.Health(false, false)))
                .requestRate(limits.requestRate())
                .maxConcurrentPulls(limits.concurrentPulls())
                .build()
                .singletons();
    }
}
