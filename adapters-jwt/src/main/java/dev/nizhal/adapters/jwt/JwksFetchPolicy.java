package dev.nizhal.adapters.jwt;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link KeySource.JwksUrl} is fetched, cached and refreshed.
 *
 * <p>The key set is fetched on first use and cached for {@code cacheTimeToLive}. A token whose {@code kid} is not in
 * the cached set triggers a refresh (key rotation), but the fetches that reach the JWKS server are rate-limited: at
 * most two in any window of {@code minRefreshInterval} (Nimbus's rate limiter lets one refresh follow the initial load
 * at once, so a rotation right after start-up is still picked up). Tokens with unknown key ids therefore cannot make
 * the resolver hammer the JWKS server; while the limit holds, such tokens are refused. A fetch gives up after {@code
 * connectTimeout} + {@code readTimeout}, a response larger than {@code maxBytes} is refused, and so is a key set with
 * more than {@code maxKeys} keys (every key is a candidate for tokens without {@code kid}).
 *
 * @param cacheTimeToLive how long a fetched key set is used before it is fetched again; longer than {@code
 *     minRefreshInterval}
 * @param minRefreshInterval the rate-limit window: at most two fetches in any such window
 * @param connectTimeout the HTTP connect timeout of one fetch
 * @param readTimeout the HTTP read timeout of one fetch
 * @param maxBytes the largest JWKS response accepted, in bytes
 * @param maxKeys the largest number of keys accepted in one key set
 */
public record JwksFetchPolicy(
        Duration cacheTimeToLive,
        Duration minRefreshInterval,
        Duration connectTimeout,
        Duration readTimeout,
        int maxBytes,
        int maxKeys) {

    /** 5 minutes cache, 30 s between refreshes, 2 s + 2 s timeouts, 64 KiB, 32 keys. */
    public static final JwksFetchPolicy DEFAULT = new JwksFetchPolicy(
            Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2), 64 * 1024, 32);

    public JwksFetchPolicy {
        requireMillis(cacheTimeToLive, "cacheTimeToLive");
        requireMillis(minRefreshInterval, "minRefreshInterval");
        requireMillis(connectTimeout, "connectTimeout");
        requireMillis(readTimeout, "readTimeout");
        if (minRefreshInterval.compareTo(cacheTimeToLive) >= 0) {
            // a cache that expires before the rate limit opens again would make every expiry a refused refresh
            throw new IllegalArgumentException("minRefreshInterval must be shorter than cacheTimeToLive");
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive");
        }
    }

    private static void requireMillis(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        // Nimbus takes int milliseconds for the timeouts: zero would mean "wait forever"
        if (duration.toMillis() < 1 || duration.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be between 1 ms and " + Integer.MAX_VALUE + " ms");
        }
    }
}
