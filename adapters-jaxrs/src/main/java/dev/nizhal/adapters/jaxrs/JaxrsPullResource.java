package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.BearerCredentials;
import dev.nizhal.adapters.jaxrs.internal.BoundedBody;
import dev.nizhal.adapters.jaxrs.internal.Guard;
import dev.nizhal.adapters.jaxrs.internal.RequestReader;
import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Objects;

/**
 * {@code POST /sync/pull}: the bearer token's actor, the strictly read envelope, {@link PullChanges}, and the
 * response JSON of PROTOCOL.md. The body is read as JSON whatever its {@code Content-Type}, and the response is JSON
 * whatever the {@code Accept}: a client gets the protocol's answer or its error, never a 415 or 406 of the runtime.
 */
@Path("sync/pull")
@NizhalEndpoint
public class JaxrsPullResource {
    private final PullChanges pull;
    private final ActorResolver actors;
    private final WireLimits limits;

    public JaxrsPullResource(PullChanges pull, ActorResolver actors, WireLimits limits) {
        this.pull = Objects.requireNonNull(pull, "pull");
        this.actors = Objects.requireNonNull(actors, "actors");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @POST
    public Response pull(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
            InputStream body) {
        return Guard.run(() -> {
            Actor actor = BearerCredentials.actor(actors, authorization);
            byte[] bytes = BoundedBody.read(body, contentLength, limits.maxBodyBytes());
            PullChanges.PullRequest request = RequestReader.pull(bytes, limits);
            return json(ResponseWriter.pull(pull.pull(actor, request)));
        });
    }

    static Response json(byte[] body) {
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }
}
