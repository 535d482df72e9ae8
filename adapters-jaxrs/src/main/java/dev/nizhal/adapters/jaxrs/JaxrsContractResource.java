package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.BearerCredentials;
import dev.nizhal.adapters.jaxrs.internal.Guard;
import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Objects;

/**
 * {@code GET /nizhal/contract}: the rules with their parameters and collections, and each mutator's args as JSON
 * Schema, for clients to generate types from. Authenticated like every protocol call.
 */
@Path("nizhal/contract")
@NizhalEndpoint
public class JaxrsContractResource {
    private final DescribeContract contract;
    private final ActorResolver actors;

    public JaxrsContractResource(DescribeContract contract, ActorResolver actors) {
        this.contract = Objects.requireNonNull(contract, "contract");
        this.actors = Objects.requireNonNull(actors, "actors");
    }

    @GET
    public Response contract(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return Guard.run(() -> {
            BearerCredentials.actor(actors, authorization);
            return JaxrsPullResource.json(ResponseWriter.contract(contract.describe()));
        });
    }
}
