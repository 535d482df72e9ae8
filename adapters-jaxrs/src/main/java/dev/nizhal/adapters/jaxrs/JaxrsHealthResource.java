package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Objects;

/**
 * {@code GET /nizhal/health}: {@code {"status":"UP","database":"UP","migrations":"CURRENT"}} with 200 when ready, the
 * same shape with 503 when not. Not authenticated, unlike the protocol calls: load balancers and orchestrators probe
 * it without a token, and it says nothing but up or down.
 */
@Path("nizhal/health")
@NizhalEndpoint
public class JaxrsHealthResource {
    private static final System.Logger LOG = System.getLogger(JaxrsHealthResource.class.getName());

    private final HealthCheck health;

    public JaxrsHealthResource(HealthCheck health) {
        this.health = Objects.requireNonNull(health, "health");
    }

    @GET
    public Response health() {
        HealthCheck.Health state;
        try {
            state = health.check();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the health check failed; reporting the database as down", e);
            state = new HealthCheck.Health(false, false);
        }
        return Response.status(state.ready() ? 200 : 503)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ResponseWriter.health(state))
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }
}
