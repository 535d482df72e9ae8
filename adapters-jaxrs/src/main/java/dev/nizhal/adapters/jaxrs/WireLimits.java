package dev.nizhal.adapters.jaxrs;

/**
 * The request limits of the HTTP endpoints (PROTOCOL.md, "Limits"). The per-mutation limits (args size, batch size)
 * belong to the use cases and the args codec, not to HTTP.
 *
 * @param maxBodyBytes the largest request body accepted, counted while it is read (413 {@code PAYLOAD_TOO_LARGE}
 *     beyond)
 * @param defaultPullLimit the pull {@code limit} when the request has none
 * @param maxPullLimit the largest pull {@code limit} served; a larger one is lowered to it, not refused
 */
public record WireLimits(int maxBodyBytes, int defaultPullLimit, int maxPullLimit) {

    /** The protocol's defaults: a 1 MiB body, pull limit 1000 capped at 5000. */
    public static final WireLimits DEFAULTS = new WireLimits(1024 * 1024, 1000, 5000);

    public WireLimits {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
        }
        if (defaultPullLimit < 1 || maxPullLimit < defaultPullLimit) {
            throw new IllegalArgumentException(
                    "need 1 <= defaultPullLimit <= maxPullLimit, was " + defaultPullLimit + " and " + maxPullLimit);
        }
    }
}
