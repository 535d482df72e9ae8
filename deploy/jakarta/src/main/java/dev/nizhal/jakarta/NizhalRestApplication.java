package dev.nizhal.jakarta;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.jaxrs.HealthCheck;
import dev.nizhal.adapters.jaxrs.JaxrsEndpoints;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/**
 * Nizhal's JAX-RS endpoints ({@code POST /sync/pull}, {@code POST /sync/push}, {@code GET /nizhal/contract}, {@code GET
 * /nizhal/health}) at the root of the WAR. They call the engine of {@link NizhalRuntime}, which may start after them
 * or not at all: until it runs they answer 503 {@code TRANSIENT} and health reports DOWN.
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
            made = endpoints(CDI.current().select(NizhalRuntime.class).get());
            singletons = made;
        }
        return made;
    }

    static Set<Object> endpoints(NizhalRuntime runtime) {
        return JaxrsEndpoints.builder()
                .pull((actor, request) -> runtime.engine().pull(actor, request))
                .push((actor, request) -> runtime.engine().push(actor, request))
                .contract(() -> runtime.engine().contract())
                .actors(credentials -> runtime.actors().resolve(credentials))
                .health(() -> runtime.nizhal()
                        .map(Nizhal::health)
                        .map(h -> new HealthCheck.Health(h.databaseUp(), h.migrationsCurrent()))
                        .orElse(new HealthCheck.Health(false, false)))
                .build()
                .singletons();
    }
}
