package dev.nizhal.server;

import dev.nizhal.adapters.jaxrs.JaxrsErrorMapper;
import dev.nizhal.domain.error.SyncErrorCode;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee11.servlet.ErrorHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request its HTTP parser rejects, a {@code Throwable} that escaped the servlet, Jersey's
 * 404 of an unknown path and 405 of a method an endpoint does not take) as Nizhal error JSON instead of Jetty's HTML
 * page, which can carry the exception's message: the status stays, the body is {@link JaxrsErrorMapper#hostError(int)}
 * (400, 404, 405 → {@code MALFORMED_REQUEST}, 413 → {@code PAYLOAD_TOO_LARGE}, 500 → {@code INTERNAL}, 503 → {@code
 * TRANSIENT} with {@code Retry-After}, ...). Never the message or the cause: those go to the log with the correlation
 * id. Two handlers share it: the server's (requests that never reached the servlet context, such as unparsable ones)
 * and the servlet context's (servlet errors, and every {@code sendError}).
 */
final class JettyErrorHandler {
    private static final System.Logger LOG = System.getLogger(JettyErrorHandler.class.getName());

    private JettyErrorHandler() {}

    /** For {@link org.eclipse.jetty.server.Server#setErrorHandler}. */
    static final class ForServer extends org.eclipse.jetty.server.handler.ErrorHandler {
        /** Every method gets the body: Jetty writes one only for GET, POST and HEAD unless told. */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        /** JSON whatever the request's {@code Accept}: the protocol's error is the only body Nizhal answers. */
        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            writeJson(response, callback, code, message, cause);
        }
    }

    /** For the servlet context's {@code setErrorHandler}. */
    static final class ForContext extends ErrorHandler {
        /** Every method gets the body: Jetty writes one only for GET, POST and HEAD unless told. */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        /** JSON whatever the request's {@code Accept}: the protocol's error is the only body Nizhal answers. */
        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            writeJson(response, callback, code, message, cause);
        }
    }

    private static void writeJson(Response response, Callback callback, int code, String message, Throwable cause) {
        JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(code);
        System.Logger.Level level =
                error.code() == SyncErrorCode.INTERNAL ? System.Logger.Level.ERROR : System.Logger.Level.DEBUG;
        LOG.log(
                level,
                "HTTP " + code + " " + error.code() + " [correlation id " + error.correlationId() + "]: " + message,
                cause);
        error.headers().forEach(response.getHeaders()::put);
        response.write(true, ByteBuffer.wrap(error.body()), callback);
    }
}
