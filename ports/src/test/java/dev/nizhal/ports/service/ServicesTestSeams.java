package dev.nizhal.ports.service;

import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.service.NizhalServices.Config;
import dev.nizhal.ports.service.NizhalServices.PullObserver;
import dev.nizhal.ports.service.NizhalServices.PushHooks;
import dev.nizhal.ports.service.NizhalServices.Storage;
import java.util.function.UnaryOperator;

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

    /**
     * The storage's row source as {@code wrap} makes it of the one given so far (a test that counts what the real row
     * source read); call it after the storage is set.
     */
    public static Config.Builder rowSource(Config.Builder config, UnaryOperator<RowSource> wrap) {
        Storage storage = config.storageSoFar();
        if (storage == null) {
            throw new IllegalStateException("no storage to wrap the row source of yet");
        }
        return config.storage(new Storage(
                storage.transactions(), storage.changeLog(), wrap.apply(storage.rowSource()), storage.journal()));
    }
}
