package dev.nizhal.server;

import dev.nizhal.adapters.jaxrs.JaxrsErrorMapper;
import dev.nizhal.adapters.jaxrs.JaxrsProtocolFilter;
import dev.nizhal.domain.error.SyncErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.ee11.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request its HTTP parser rejects, a {@code Throwable} that escaped the servlet, a 404
 * outside the resources) as Nizhal error JSON instead of Jetty's HTML page, which can carry the exception's message:
 * 400 → {@code MALFORMED_REQUEST}, 413 → {@code PAYLOAD_TOO_LARGE}, 500 → {@code INTERNAL}, 503 → {@code TRANSIENT}
 * (with {@code Retry-After}); any other status gets no body. Never the message or the cause: those go to the log
 * with the correlation id. Two handlers share it: the server's (requests that never reached the servlet context, such
 * as unparsable ones) and the servlet context's (servlet errors).
 */
final class JettyErrorHandler {
    private static final System.Logger LOG = System.getLogger(JettyErrorHandler.class.getName());

    private JettyErrorHandler() {}

    /** For {@link org.eclipse.jetty.server.Server#setErrorHandler}. */
    static final class ForServer extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        protected boolean generateAcceptableResponse(
                Request request,
                Response response,
                Callback callback,
                String contentType,
                List<Charset> charsets,
                int code,
                String message,
                Throwable cause) {
            return writeJson(response, callback, code, message, cause);
        }
    }

    /** For the servlet context's {@code setErrorHandler}. */
    static final class ForContext extends ErrorHandler {
        @Override
        protected boolean generateAcceptableResponse(
                Request request,
                Response response,
                Callback callback,
                String contentType,
                List<Charset> charsets,
                int code,
                String message,
                Throwable cause) {
            return writeJson(response, callback, code, message, cause);
        }
    }

    private static boolean writeJson(Response response, Callback callback, int code, String message, Throwable cause) {
        response.getHeaders().put(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
        SyncErrorCode mapped = codeFor(code);
        if (mapped == null) {
            response.write(true, null, callback);
            return true;
        }
        JaxrsErrorMapper.HostError error = JaxrsErrorMapper.hostError(mapped, messageFor(mapped));
        System.Logger.Level level =
                mapped == SyncErrorCode.INTERNAL ? System.Logger.Level.ERROR : System.Logger.Level.DEBUG;
        LOG.log(
                level,
                "HTTP " + code + " " + mapped + " [correlation id " + error.correlationId() + "]: " + message,
                cause);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (mapped == SyncErrorCode.TRANSIENT) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        response.write(true, ByteBuffer.wrap(error.body()), callback);
        return true;
    }

    private static SyncErrorCode codeFor(int status) {
        return switch (status) {
            case 400 -> SyncErrorCode.MALFORMED_REQUEST;
            case 413 -> SyncErrorCode.PAYLOAD_TOO_LARGE;
            case 500 -> SyncErrorCode.INTERNAL;
            case 503 -> SyncErrorCode.TRANSIENT;
            default -> null;
        };
    }

    private static String messageFor(SyncErrorCode code) {
        return switch (code) {
            case MALFORMED_REQUEST -> "the HTTP request is malformed";
            case PAYLOAD_TOO_LARGE -> "the request is too large";
            case TRANSIENT -> "the server is not accepting requests right now; retry later";
            default -> "an unexpected error occurred on the server; report the correlation id to its operators";
        };
    }
}
