package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.ActorRateLimiter;
import dev.nizhal.adapters.jaxrs.internal.BearerCredentials;
import dev.nizhal.adapters.jaxrs.internal.BoundedBody;
import dev.nizhal.adapters.jaxrs.internal.Guard;
import dev.nizhal.adapters.jaxrs.internal.RequestReader;
import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /sync/pull}: the bearer token's actor, the strictly read envelope, {@link PullChanges}, and the
 * response JSON of PROTOCOL.md. The body is read as JSON whatever its {@code Content-Type}, and the response is JSON
 * whatever the {@code Accept}: a client gets the protocol's answer or its error, never a 415 or 406 of the runtime. At
 * most a configured number of pulls run at once; one more is answered 429 {@code RATE_LIMITED} with {@code
 * Retry-After} at once, rather than waiting for a database connection.
 */
@Path("sync/pull")
@NizhalEndpoint
public class JaxrsPullResource {
    private final PullChanges pull;
    private final ActorResolver actors;
    private final WireLimits limits;
    private final Semaphore inFlight;
    private final ActorRateLimiter rate;

    /** With {@link JaxrsEndpoints#DEFAULT_MAX_CONCURRENT_PULLS} pulls at once. */
    public JaxrsPullResource(PullChanges pull, ActorResolver actors, WireLimits limits) {
        this(pull, actors, limits, JaxrsEndpoints.DEFAULT_MAX_CONCURRENT_PULLS);
    }

    /**
     * With at most {@code maxConcurrentPulls} pulls at once; one more is answered 429 {@code RATE_LIMITED}. No
     * per-actor request rate: {@link JaxrsEndpoints} shares one between pull and push.
     */
    public JaxrsPullResource(PullChanges pull, ActorResolver actors, WireLimits limits, int maxConcurrentPulls) {
        this(pull, actors, limits, maxConcurrentPulls, ActorRateLimiter.UNLIMITED);
    }

    JaxrsPullResource(
            PullChanges pull, ActorResolver actors, WireLimits limits, int maxConcurrentPulls, ActorRateLimiter rate) {
        this.pull = Objects.requireNonNull(pull, "pull");
        this.actors = Objects.requireNonNull(actors, "actors");
        this.limits = Objects.requireNonNull(limits, "limits");
        if (maxConcurrentPulls < 1) {
            throw new IllegalArgumentException("maxConcurrentPulls must be at least 1, was " + maxConcurrentPulls);
        }
        this.inFlight = new Semaphore(maxConcurrentPulls);
        this.rate = Objects.requireNonNull(rate, "rate");
    }

    @POST
    public Response pull(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
            InputStream body) {
        return Guard.run(() -> {
            Actor actor = BearerCredentials.actor(actors, authorization);
            // before the body is read: a refused request costs no more than its token's check
            rate.acquire(actor);
            byte[] bytes = BoundedBody.read(body, contentLength, limits.maxBodyBytes());
            PullChanges.PullRequest request = RequestReader.pull(bytes, limits);
            // counted around the use case only: a slow body or a bad token never takes a slot
            if (!inFlight.tryAcquire()) {
                throw new SyncException(
                        SyncErrorCode.RATE_LIMITED, "this server is serving as many pulls as it may; retry shortly");
            }
            PullChanges.PullResponse response;
            try {
                response = pull.pull(actor, request);
            } finally {
                inFlight.release();
            }
            // written to the connection as it is generated, not first into an array as large as the page
            StreamingOutput entity = out -> ResponseWriter.pull(response, out);
            return Response.ok(entity, MediaType.APPLICATION_JSON_TYPE)
                    .header(HttpHeaders.CACHE_CONTROL, "no-store")
                    .build();
        });
    }

    static Response json(byte[] body) {
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .build();
    }
}
