package dev.nizhal.adapters.jaxrs.internal;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Reads a request body up to a limit, counting the bytes as they arrive: a chunked body has no length to trust, and a
 * declared one may lie. A declared length over the limit is refused before anything is read.
 */
public final class BoundedBody {
    private static final int BUFFER = 8192;
    /**
     * How much of a too-large body is read and thrown away before answering 413: a client still sending when the
     * server answers and closes would see a reset connection instead of the answer. Beyond this, the connection is
     * simply closed.
     */
    static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private BoundedBody() {}

    /**
     * @param declaredLength the {@code Content-Length} header, or null
     * @throws SyncException {@code PAYLOAD_TOO_LARGE} beyond {@code limit} bytes, {@code MALFORMED_REQUEST} when the
     *     body cannot be read (the client went away, broke the transfer encoding, or sent it slower than the host's
     *     deadline for a body)
     */
    public static byte[] read(InputStream in, String declaredLength, int limit) {
        long declared = declared(declaredLength);
        if (declared > limit) {
            drain(in);
            throw tooLarge(limit);
        }
        if (in == null) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, BUFFER), limit));
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
                if (total > limit) {
                    drain(in);
                    throw tooLarge(limit);
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            String message = timedOut(e)
                    ? "the request body did not arrive in time; send it at once, after the headers"
                    : "the request body could not be read";
            throw new SyncException(SyncErrorCode.MALFORMED_REQUEST, message, Map.of(), e);
        }
        return out.toByteArray();
    }

    /** The host cut the body off at its deadline (the embedded server's, as a {@link TimeoutException} cause). */
    private static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static void drain(InputStream in) {
        if (in == null) {
            return;
        }
        byte[] buffer = new byte[BUFFER];
        long drained = 0;
        try {
            int n;
            while (drained < DRAIN_LIMIT && (n = in.read(buffer)) != -1) {
                drained += n;
            }
        } catch (IOException e) {
            // the client went away: there is nobody left to answer
        }
    }

    private static long declared(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1; // the container frames the body; the count while reading decides
        }
    }

    private static SyncException tooLarge(int limit) {
        return new SyncException(
                SyncErrorCode.PAYLOAD_TOO_LARGE,
                "the request body is larger than " + limit + " bytes, the limit",
                Map.of("limit", limit));
    }
}
