package dev.nizhal.jakarta;

import dev.nizhal.Nizhal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Nizhal's MicroProfile readiness check {@code nizhal}: UP when Nizhal started, the database answers and holds the
 * current rules' migration; DOWN otherwise, with the reason of a start that failed: at most the setting's key (the
 * check is public, so the database's own words stay in the server's log).
 */
@Readiness
@ApplicationScoped
public class NizhalReadiness implements HealthCheck {
    static final String NAME = "nizhal";

    private final NizhalRuntime runtime;

    /** For CDI's client proxy. */
    protected NizhalReadiness() {
        this.runtime = null;
    }

    @Inject
    public NizhalReadiness(NizhalRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<String> failure = runtime.failure();
        if (failure.isPresent()) {
            return HealthCheckResponse.named(NAME)
                    .down()
                    .withData("reason", failure.get())
                    .build();
        }
        Nizhal.Health health = runtime.nizhal().map(Nizhal::health).orElse(new Nizhal.Health(false, false));
        return HealthCheckResponse.named(NAME)
                .status(health.databaseUp() && health.migrationsCurrent())
                .withData("database", health.databaseUp() ? "UP" : "DOWN")
                .withData("migrations", health.migrationsCurrent() ? "CURRENT" : "PENDING")
                .build();
    }
}
