package dev.nizhal.jakarta;

import dev.nizhal.adapters.jaxrs.JaxrsErrorMapper;
import dev.nizhal.adapters.jaxrs.JaxrsProtocolFilter;
import dev.nizhal.domain.error.SyncErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * On Nizhal's paths, what the embedded server's Jetty handlers do: every answer carries {@code Nizhal-Protocol: 1},
 * also the server's own (an unknown path, a refused method), and a failure that escapes the endpoints is answered as
 * the protocol's {@code INTERNAL} error with a correlation id, never as the server's error page with a stack trace.
 */
public class NizhalErrorFilter extends HttpFilter {
    private static final System.Logger LOG = System.getLogger(NizhalErrorFilter.class.getName());

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(
                    SyncErrorCode.INTERNAL,
                    "an unexpected error occurred on the server; report the correlation id to its operators");
            LOG.log(System.Logger.Level.ERROR, "INTERNAL [correlation id " + error.correlationId() + "]", e);
            if (response.isCommitted()) {
                throw e;
            }
            response.reset();
            response.setStatus(500);
            response.setHeader(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
            response.setHeader("Cache-Control", "no-store");
            response.setContentType("application/json");
            response.getOutputStream().write(error.body());
        }
    }
}
