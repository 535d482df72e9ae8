package dev.nizhal.adapters.jaxrs;

/**
 * How many requests ({@code POST /sync/pull} and {@code POST /sync/push} together) one actor may make per second on
 * one instance, with a burst: a token bucket holding {@code burst} requests that refills at {@code perSecond}. A
 * request beyond it is answered 429 {@code RATE_LIMITED} with {@code Retry-After} (the whole seconds until the bucket
 * holds a request again, at least 1). The actor is the one the bearer token resolves to, so a request without a valid
 * token never spends anyone's budget.
 *
 * @param perSecond the sustained rate; {@code 0} means no limit
 * @param burst how many requests an actor whose bucket is full may make at once; at least 1 unless {@code perSecond}
 *     is 0
 */
public record RequestRate(int perSecond, int burst) {
    /** The sustained rate unless configured: {@value}. */
    public static final int DEFAULT_PER_SECOND = 100;

    /** {@value #DEFAULT_PER_SECOND} a second with a burst of twice that. */
    public static final RequestRate DEFAULT = of(DEFAULT_PER_SECOND);

    /** No per-actor limit. */
    public static final RequestRate UNLIMITED = new RequestRate(0, 0);

    public RequestRate {
        if (perSecond < 0) {
            throw new IllegalArgumentException(
                    "requests per second must not be negative (0: no limit), was " + perSecond);
        }
        if (perSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("the burst must be at least 1, was " + burst);
        }
        if (perSecond == 0) {
            burst = 0;
        }
    }

    /** {@code perSecond} with a burst of twice that ({@code 0}: no limit). */
    public static RequestRate of(int perSecond) {
        return new RequestRate(perSecond, (int) Math.min(Integer.MAX_VALUE, 2L * perSecond));
    }

    /** Whether there is a limit at all. */
    public boolean limited() {
        return perSecond > 0;
    }
}
