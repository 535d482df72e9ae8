package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.ResponseWriter;
import dev.nizhal.adapters.jaxrs.internal.UnexpectedFailure;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The one place where a failure becomes an HTTP answer: the error table of PROTOCOL.md, {@code {"error": {"code",
 * "message", "retryable", "details"?, "correlationId"}}} with the code's status, {@code Nizhal-Protocol: 1}, {@code
 * WWW-Authenticate: Bearer} on 401 and {@code Retry-After} on 429 and 503.
 *
 * <p>Every answer carries a new correlation id, also written to the server log with the code (and, for {@code
 * INTERNAL} and {@code TRANSIENT}, with the stack trace of the cause; a {@link NotServingException} at {@code DEBUG}
 * only, since its host logs why it does not serve). A client sees a {@link SyncException}'s
 * message, which is written for clients, except for:
 *
 * <ul>
 *   <li>{@code UNAUTHENTICATED}: one fixed message and no details, so the body does not tell an expired token from a
 *       forged one (the resolver's reason goes to the log);
 *   <li>{@code INTERNAL}, and per-mutation outcome codes that escaped a use case (a bug): one fixed message and no
 *       details; what happened is in the log only.
 * </ul>
 *
 * Resources wrap every other exception as {@code INTERNAL} before it gets here, which is why this maps {@link
 * SyncException} only and leaves the exceptions of an application's own resources to that application.
 */
@Provider
public final class JaxrsErrorMapper implements ExceptionMapper<SyncException> {
    private static final System.Logger LOG = System.getLogger(JaxrsErrorMapper.class.getName());

    static final String UNAUTHENTICATED_MESSAGE = "missing or invalid credentials";
    static final String INTERNAL_MESSAGE =
            "an unexpected error occurred on the server; report the correlation id to its operators";

    /** Seconds a client waits before retrying a 429 or 503 unless the exception says otherwise. */
    static final long DEFAULT_RETRY_AFTER_SECONDS = 1;

    /** A {@link SyncException} may name its own wait in its details under this key (seconds). */
    public static final String RETRY_AFTER_DETAIL = "retryAfterSeconds";

    public JaxrsErrorMapper() {}

    @Override
    public Response toResponse(SyncException failure) {
        String correlationId = UUID.randomUUID().toString();
        SyncErrorCode code = failure.code();
        String message = failure.getMessage();
        Map<String, Object> details = failure.details();
        if (code.kind() != SyncErrorCode.Kind.REQUEST || code == SyncErrorCode.INTERNAL) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "INTERNAL [correlation id " + correlationId + "]: " + describe(failure),
                    failure instanceof UnexpectedFailure && failure.getCause() != null ? failure.getCause() : failure);
            code = SyncErrorCode.INTERNAL;
            message = INTERNAL_MESSAGE;
            details = Map.of();
        } else if (code == SyncErrorCode.UNAUTHENTICATED) {
            LOG.log(System.Logger.Level.DEBUG, "UNAUTHENTICATED [correlation id {0}]: {1}", correlationId, message);
            message = UNAUTHENTICATED_MESSAGE;
            details = Map.of();
        } else if (failure instanceof NotServingException) {
            LOG.log(System.Logger.Level.DEBUG, "{0} [correlation id {1}]: {2}", code, correlationId, message);
        } else if (code.retryable()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    code + " [correlation id " + correlationId + "]: " + message,
                    failure.getCause());
        } else {
            LOG.log(System.Logger.Level.DEBUG, "{0} [correlation id {1}]: {2}", code, correlationId, message);
        }
        Response.ResponseBuilder response = Response.status(code.httpStatus())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body(code, message, details, correlationId))
                .header(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (code == SyncErrorCode.UNAUTHENTICATED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (code == SyncErrorCode.RATE_LIMITED || code == SyncErrorCode.TRANSIENT) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds(details));
        }
        return response.build();
    }

    /**
     * The error body of {@code code} with {@code message}, no details and a new correlation id, for errors that the
     * hosting server answers itself (a request refused while stopping, one the HTTP parser rejected), so that they
     * look like every other Nizhal error.
     */
    public static HostError hostError(SyncErrorCode code, String message) {
        return hostError(code.httpStatus(), code, message);
    }

    /**
     * The error a hosting server answers with {@code status} of its own (no such endpoint, a method an endpoint does
     * not take, a request its HTTP parser refused, a failure that escaped the endpoints), as the protocol's error: the
     * status stays, the code is the table's code of that status, and a status the table has no code for is {@code
     * MALFORMED_REQUEST} (4xx, and 505 of an HTTP version the server does not speak: the request is wrong, repeating it
     * will not help) or {@code INTERNAL} (other 5xx). The
     * message is fixed per status: never the server's own words, which may name classes or echo the request.
     */
    public static HostError hostError(int status) {
        SyncErrorCode code = switch (status) {
            case 401 -> SyncErrorCode.UNAUTHENTICATED;
            case 403 -> SyncErrorCode.FORBIDDEN;
            case 413 -> SyncErrorCode.PAYLOAD_TOO_LARGE;
            case 426 -> SyncErrorCode.UNSUPPORTED_PROTOCOL;
            case 429 -> SyncErrorCode.RATE_LIMITED;
            case 503 -> SyncErrorCode.TRANSIENT;
            // the client's HTTP version, not a failure of the server: repeating it will not help
            case 505 -> SyncErrorCode.MALFORMED_REQUEST;
            default -> status >= 500 ? SyncErrorCode.INTERNAL : SyncErrorCode.MALFORMED_REQUEST;
        };
        String message = switch (status) {
            case 404 -> "there is no Nizhal endpoint at this path";
            case 405 -> "this Nizhal endpoint does not take this HTTP method";
            case 400 -> "the HTTP request is malformed";
            case 431 -> "the request's headers are too large";
            case 505 -> "this server speaks HTTP/1.1 (and HTTP/1.0) only";
            default ->
                switch (code) {
                    case UNAUTHENTICATED -> UNAUTHENTICATED_MESSAGE;
                    case FORBIDDEN -> "not allowed";
                    case PAYLOAD_TOO_LARGE -> "the request is too large";
                    case UNSUPPORTED_PROTOCOL ->
                        "this server speaks Nizhal protocol " + JaxrsProtocolFilter.VERSION + " only";
                    case RATE_LIMITED -> "too many requests; retry later";
                    case TRANSIENT -> "the server is not accepting requests right now; retry later";
                    case INTERNAL -> INTERNAL_MESSAGE;
                    default -> "the request cannot be served (HTTP " + status + ")";
                };
        };
        return hostError(status, code, message);
    }

    private static HostError hostError(int status, SyncErrorCode code, String message) {
        String correlationId = UUID.randomUUID().toString();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(JaxrsProtocolFilter.HEADER, JaxrsProtocolFilter.VERSION);
        headers.put(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        headers.put(HttpHeaders.CACHE_CONTROL, "no-store");
        if (code == SyncErrorCode.UNAUTHENTICATED) {
            headers.put(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (code == SyncErrorCode.RATE_LIMITED || code == SyncErrorCode.TRANSIENT) {
            headers.put(HttpHeaders.RETRY_AFTER, Long.toString(DEFAULT_RETRY_AFTER_SECONDS));
        }
        return new HostError(
                status,
                code,
                correlationId,
                Map.copyOf(headers),
                ResponseWriter.error(code, message, Map.of(), correlationId));
    }

    /**
     * An error answer written for the hosting server: its status, code, the correlation id to log it under, the
     * headers to set (the protocol's, {@code Content-Type}, and {@code WWW-Authenticate} or {@code Retry-After} where
     * the code asks for them) and the body.
     */
    public record HostError(
            int status, SyncErrorCode code, String correlationId, Map<String, String> headers, byte[] body) {}

    private static byte[] body(SyncErrorCode code, String message, Map<String, Object> details, String correlationId) {
        try {
            return ResponseWriter.error(code, message, details, correlationId);
        } catch (RuntimeException unwritable) {
            // details the writer cannot render must not turn an answer into no answer
            LOG.log(
                    System.Logger.Level.ERROR,
                    "could not write the details of " + code + " [correlation id " + correlationId + "]",
                    unwritable);
            return ResponseWriter.error(code, message, Map.of(), correlationId);
        }
    }

    private static long retryAfterSeconds(Map<String, Object> details) {
        if (details.get(RETRY_AFTER_DETAIL) instanceof Number seconds && seconds.longValue() >= 0) {
            return seconds.longValue();
        }
        return DEFAULT_RETRY_AFTER_SECONDS;
    }

    private static String describe(SyncException failure) {
        return failure instanceof UnexpectedFailure
                ? "unexpected failure"
                : failure.code() + " escaped to the HTTP layer: " + failure.getMessage();
    }
}
