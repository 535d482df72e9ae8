package dev.nizhal.adapters.websocket;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing and limits of the realtime stream; {@link #DEFAULTS} are PROTOCOL.md's.
 *
 * @param heartbeat how often each socket gets a {@code {"type":"ping"}} frame and a WebSocket ping; a socket that
 *     has not answered the previous WebSocket ping with a pong (every browser and client library does, by itself),
 *     or whose last frame is still not written after one heartbeat, is dropped as stalled
 * @param helloTimeout how long a new socket may take to send its hello frame before it is closed with 4401
 * @param minPokeInterval the least time between two pokes of one rule on one socket (pokes in between coalesce)
 * @param pollInterval how often the change-log poller looks for commits made outside this process
 * @param authCheckInterval how often the tokens of open sockets are checked again once their {@code exp} is near
 * @param maxHelloBytes the largest hello frame accepted (larger: close 1009 by the container)
 * @param maxRules the most sync rules one socket may listen to
 * @param maxSocketsPerActor the most sockets one actor may have open on this instance; the hello of one more closes
 *     it with 4429 {@code RATE_LIMITED}
 */
public record StreamSettings(
        Duration heartbeat,
        Duration helloTimeout,
        Duration minPokeInterval,
        Duration pollInterval,
        Duration authCheckInterval,
        int maxHelloBytes,
        int maxRules,
        int maxSocketsPerActor) {

    /** The most sockets one actor may have open on one instance unless configured. */
    public static final int DEFAULT_MAX_SOCKETS_PER_ACTOR = 16;

    public static final StreamSettings DEFAULTS = new StreamSettings(
            Duration.ofSeconds(25),
            Duration.ofSeconds(10),
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            64 * 1024,
            64,
            DEFAULT_MAX_SOCKETS_PER_ACTOR);

    public StreamSettings {
        positive(heartbeat, "heartbeat");
        positive(helloTimeout, "helloTimeout");
        Objects.requireNonNull(minPokeInterval, "minPokeInterval");
        if (minPokeInterval.isNegative()) {
            throw new IllegalArgumentException("minPokeInterval must not be negative");
        }
        positive(pollInterval, "pollInterval");
        positive(authCheckInterval, "authCheckInterval");
        if (maxHelloBytes < 1024) {
            throw new IllegalArgumentException("maxHelloBytes must be at least 1024, was " + maxHelloBytes);
        }
        if (maxRules < 1) {
            throw new IllegalArgumentException("maxRules must be at least 1, was " + maxRules);
        }
        if (maxSocketsPerActor < 1) {
            throw new IllegalArgumentException("maxSocketsPerActor must be at least 1, was " + maxSocketsPerActor);
        }
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    public StreamSettings withHeartbeat(Duration value) {
        return new StreamSettings(
                value,
                helloTimeout,
                minPokeInterval,
                pollInterval,
                authCheckInterval,
                maxHelloBytes,
                maxRules,
                maxSocketsPerActor);
    }

    public StreamSettings withHelloTimeout(Duration value) {
        return new StreamSettings(
                heartbeat,
                value,
                minPokeInterval,
                pollInterval,
                authCheckInterval,
                maxHelloBytes,
                maxRules,
                maxSocketsPerActor);
    }

    public StreamSettings withPollInterval(Duration value) {
        return new StreamSettings(
                heartbeat,
                helloTimeout,
                minPokeInterval,
                value,
                authCheckInterval,
                maxHelloBytes,
                maxRules,
                maxSocketsPerActor);
    }

    public StreamSettings withAuthCheckInterval(Duration value) {
        return new StreamSettings(
                heartbeat,
                helloTimeout,
                minPokeInterval,
                pollInterval,
                value,
                maxHelloBytes,
                maxRules,
                maxSocketsPerActor);
    }

    public StreamSettings withMaxSocketsPerActor(int value) {
        return new StreamSettings(
                heartbeat,
                helloTimeout,
                minPokeInterval,
                pollInterval,
                authCheckInterval,
                maxHelloBytes,
                maxRules,
                value);
    }
}
