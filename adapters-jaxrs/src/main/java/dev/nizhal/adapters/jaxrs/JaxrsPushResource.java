package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.ActorRateLimiter;
import dev.nizhal.adapters.jaxrs.internal.BearerCredentials;
import dev.nizhal.adapters.jaxrs.internal.BoundedBody;
import dev.nizhal.adapters.jaxrs.internal.Guard;
import dev.nizhal.adapters.jaxrs.internal.RequestReader;
import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Objects;

/**
 * {@code POST /sync/push}: the bearer token's actor, the strictly read envelope, {@link PushMutations}, and one
 * result per mutation (200 whenever the request was well formed and a mutation was attempted; request-level failures
 * such as {@code MUTATION_ORDER} are errors of the whole request). Pushes and pulls of one actor share its {@link
 * RequestRate}.
 */
@Path("sync/push")
@NizhalEndpoint
public class JaxrsPushResource {
    private final PushMutations push;
    private final ActorResolver actors;
    private final WireLimits limits;
    private final ActorRateLimiter rate;

    /** No per-actor request rate: {@link JaxrsEndpoints} shares one between pull and push. */
    public JaxrsPushResource(PushMutations push, ActorResolver actors, WireLimits limits) {
        this(push, actors, limits, ActorRateLimiter.UNLIMITED);
    }

    JaxrsPushResource(PushMutations push, ActorResolver actors, WireLimits limits, ActorRateLimiter rate) {
        this.rate = Objects.requireNonNull(rate, "rate");
        this.push = Objects.requireNonNull(push, "push");
        this.actors = Objects.requireNonNull(actors, "actors");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @POST
    public Response push(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
            InputStream body) {
        return Guard.run(() -> {
            Actor actor = BearerCredentials.actor(actors, authorization);
            rate.acquire(actor);
            byte[] bytes = BoundedBody.read(body, contentLength, limits.maxBodyBytes());
            PushMutations.PushRequest request = RequestReader.push(bytes);
            return JaxrsPullResource.json(ResponseWriter.push(push.push(actor, request)));
        });
    }
}
