package dev.nizhal.jakarta;

import dev.nizhal.adapters.jaxrs.JaxrsErrorMapper;
import dev.nizhal.adapters.jaxrs.JaxrsProtocolFilter;
import dev.nizhal.domain.error.SyncErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * On Nizhal's paths, what the embedded server's Jetty handlers do: every answer carries {@code Nizhal-Protocol: 1},
 * also the server's own, and every error is the protocol's error JSON ({@link JaxrsErrorMapper#hostError(int)}),
 * never the server's error page:
 *
 * <ul>
 *   <li>TRACE (and TRACK) is refused with 405 before the runtime sees it, whatever the server's own setting;
 *   <li>an error the runtime answers itself (an unknown path, a method an endpoint does not take) through {@code
 *       sendError}, which would give the server's HTML page (Payara), or as a bare status without a body (Liberty);
 *   <li>an exception that escapes the endpoints: {@code INTERNAL} with a correlation id, never a stack trace. An
 *       {@link Error} ({@code OutOfMemoryError}, ...) is not caught: the server must see it.
 * </ul>
 */
public class NizhalErrorFilter extends HttpFilter {
    private static final System.Logger LOG = System.getLogger(NizhalErrorFilter.class.getName());

    /** Refused on Nizhal's paths: TRACE, and TRACK, its old Microsoft twin. */
    private static final Set<String> TRACE = Set.of("TRACE", "TRACK");

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
        ProtocolErrors answer = new ProtocolErrors(response);
        if (TRACE.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
            // whatever the server's own setting: a servlet's default doTrace echoes the request, credentials included
            answer.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        try {
            chain.doFilter(request, answer);
        } catch (IOException | ServletException | RuntimeException e) {
            JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(SyncErrorCode.INTERNAL.httpStatus());
            LOG.log(System.Logger.Level.ERROR, "INTERNAL [correlation id " + error.correlationId() + "]", e);
            if (response.isCommitted()) {
                throw e;
            }
            response.reset();
            answer.write(error);
            return;
        }
        if (!request.isAsyncStarted()) {
            answer.finish();
        }
    }

    /**
     * The response as the runtime sees it: {@code sendError} writes the protocol's error instead of asking the
     * server for its error page, and an error status left without a body gets the protocol's error at the end. Until
     * then, a flush or close of an error answer with no body yet is held back (RESTEasy on Liberty commits its bare
     * 404 that way).
     */
    private static final class ProtocolErrors extends HttpServletResponseWrapper {
        private CountingStream stream;
        private boolean usedWriter;
        private boolean written;

        ProtocolErrors(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            sendError(status);
        }

        @Override
        public void sendError(int status) throws IOException {
            if (isCommitted()) {
                throw new IllegalStateException("the response is committed");
            }
            JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(status);
            LOG.log(
                    error.code() == SyncErrorCode.INTERNAL ? System.Logger.Level.ERROR : System.Logger.Level.DEBUG,
                    "HTTP {0} {1} [correlation id {2}]",
                    status,
                    error.code(),
                    error.correlationId());
            resetBuffer();
            write(error);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (stream == null) {
                stream = new CountingStream(super.getOutputStream());
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            usedWriter = true;
            return super.getWriter();
        }

        @Override
        public void flushBuffer() throws IOException {
            if (!holding()) {
                super.flushBuffer();
            }
        }

        /** An error status with nothing written yet: its body may still be the protocol's error. */
        private boolean holding() {
            return !written && !usedWriter && (stream == null || stream.count == 0) && getStatus() >= 400;
        }

        /** After the runtime: an error status with no body (the runtime's own 404 or 405) gets the error JSON. */
        void finish() throws IOException {
            if (holding() && !isCommitted()) {
                write(JaxrsErrorMapper.hostError(getStatus()));
            }
            if (stream != null && stream.closeHeld) {
                stream.out.close();
            }
        }

        /** Writes {@code error}, keeping the headers set so far (such as a 405's {@code Allow}). */
        void write(JaxrsErrorMapper.HostError error) throws IOException {
            HttpServletResponse response = (HttpServletResponse) getResponse();
            response.setStatus(error.status());
            error.headers().forEach(response::setHeader);
            response.setContentLength(error.body().length);
            if (usedWriter) {
                // the body is ASCII JSON: the writer's encoding cannot change it
                response.getWriter().write(new String(error.body(), StandardCharsets.US_ASCII));
            } else {
                response.getOutputStream().write(error.body());
            }
            written = true;
            response.flushBuffer();
        }

        /** The runtime's output stream, counting what it writes and holding a flush or close while {@link #holding}. */
        private final class CountingStream extends ServletOutputStream {
            final ServletOutputStream out;
            long count;
            boolean closeHeld;

            CountingStream(ServletOutputStream out) {
                this.out = out;
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                count++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                count += length;
            }

            @Override
            public void flush() throws IOException {
                if (!holding()) {
                    out.flush();
                }
            }

            @Override
            public void close() throws IOException {
                if (holding()) {
                    closeHeld = true;
                } else {
                    out.close();
                }
            }

            @Override
            public boolean isReady() {
                return out.isReady();
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                out.setWriteListener(listener);
            }
        }
    }
}
