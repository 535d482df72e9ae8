package dev.nizhal.adapters.jaxrs;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The protocol version on every Nizhal endpoint: answers {@code Nizhal-Protocol: 1} on every response, and refuses a
 * request that asks for another version with 426 {@code UNSUPPORTED_PROTOCOL} before anything else happens. A request
 * without the header is served as version 1.
 */
@Provider
@NizhalEndpoint
public final class JaxrsProtocolFilter implements ContainerRequestFilter, ContainerResponseFilter {
    /** The request and response header naming the protocol version. */
    public static final String HEADER = "Nizhal-Protocol";

    /** The one version this server speaks. */
    public static final String VERSION = "1";

    private final JaxrsErrorMapper errors;

    public JaxrsProtocolFilter(JaxrsErrorMapper errors) {
        this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String asked = request.getHeaderString(HEADER);
        if (asked != null && !asked.trim().equals(VERSION)) {
            // answered through the mapper, not thrown: not every runtime maps exceptions thrown by filters
            request.abortWith(errors.toResponse(new SyncException(
                    SyncErrorCode.UNSUPPORTED_PROTOCOL,
                    "this server speaks Nizhal protocol " + VERSION + " only",
                    Map.of("supported", List.of(Integer.parseInt(VERSION))))));
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        response.getHeaders().putSingle(HEADER, VERSION);
    }
}
