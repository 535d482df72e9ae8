package dev.nizhal.ports.service;

import dev.nizhal.ports.service.NizhalServices.Config;
import dev.nizhal.ports.service.NizhalServices.PullObserver;
import dev.nizhal.ports.service.NizhalServices.PushHooks;

/**
 * The only way to enable the services' test seams ({@link TestSeam}): it lives in nizhal-ports' test-jar, in the
 * seams' own package, and calls the package-private setters of {@link Config.Builder}. Production code cannot reach
 * those setters, and a production jar does not hold this class.
 *
 * <pre>{@code
 * Config config = ServicesTestSeams.pullDefect(Config.builder(rules, catalog)..., PullDefect.S_HI_PER_PAGE).build();
 * }</pre>
 */
public final class ServicesTestSeams {
    private ServicesTestSeams() {}

    /** A look inside each pull's transaction after its response is built (the P2 oracle); null for none. */
    public static Config.Builder pullObserver(Config.Builder config, PullObserver observer) {
        return config.pullObserver(observer);
    }

    /** A known-broken pull, for tests that prove a scenario can fail. */
    public static Config.Builder pullDefect(Config.Builder config, PullDefect defect) {
        return config.pullDefect(defect);
    }

    /** Another bound on the rows of a response (its window's changed rows and its load pages) than {@code PullChangesService.MAX_ROW_BYTES}. */
    public static Config.Builder maxRowBytes(Config.Builder config, long bytes) {
        return config.maxRowBytes(bytes);
    }

    /** Hooks inside each mutation's transaction (fault injection); null for none. */
    public static Config.Builder pushHooks(Config.Builder config, PushHooks hooks) {
        return config.pushHooks(hooks);
    }
}
