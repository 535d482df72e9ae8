package dev.nizhal.jakarta;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Nizhal's MicroProfile liveness check {@code nizhal}: UP while the application runs (a restart mends no database). */
@Liveness
@ApplicationScoped
public class NizhalLiveness implements HealthCheck {
    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.up(NizhalReadiness.NAME);
    }
}
