package dev.nizhal;

import dev.nizhal.ports.out.IncidentLog;
import dev.nizhal.ports.out.PullActivity;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.service.NizhalServices.PullObserver;
import dev.nizhal.ports.service.NizhalServices.PushHooks;
import dev.nizhal.ports.service.PullDefect;
import dev.nizhal.ports.service.ServicesTestSeams;
import java.util.function.UnaryOperator;

/**
 * The test seams of the engine, for tests only: this class lives in nizhal's test-jar, in {@link Nizhal}'s package,
 * and reaches the builder's package-private {@code changeServices} hook; the services' seams themselves are set
 * through {@link ServicesTestSeams} of nizhal-ports' test-jar. A production jar holds neither, so it cannot switch a
 * seam on (ARCHITECTURE.md, rule R11).
 *
 * <pre>{@code
 * Nizhal nizhal = NizhalTestSeams.pullDefect(Nizhal.builder().dataSource(ds).syncRules(rules), PullDefect.STALE_HAS_MORE)
 *         .build();
 * }</pre>
 *
 * Each method returns the builder it was given, so calls nest and the builder chain goes on.
 */
public final class NizhalTestSeams {
    private NizhalTestSeams() {}

    /** A known-broken pull, for tests that prove a scenario can fail. */
    public static Nizhal.Builder pullDefect(Nizhal.Builder builder, PullDefect defect) {
        return builder.changeServices(config -> ServicesTestSeams.pullDefect(config, defect));
    }

    /** A look inside each pull's transaction after its response is built (the P2 oracle); null for none. */
    public static Nizhal.Builder pullObserver(Nizhal.Builder builder, PullObserver observer) {
        return builder.changeServices(config -> ServicesTestSeams.pullObserver(config, observer));
    }

    /** Another bound on the rows of a response (its window's changed rows and its load pages) (about 4 MiB in production). */
    public static Nizhal.Builder maxRowBytes(Nizhal.Builder builder, long bytes) {
        return builder.changeServices(config -> ServicesTestSeams.maxRowBytes(config, bytes));
    }

    /** Hooks inside each mutation's transaction (fault injection); null for none. */
    public static Nizhal.Builder pushHooks(Nizhal.Builder builder, PushHooks hooks) {
        return builder.changeServices(config -> ServicesTestSeams.pushHooks(config, hooks));
    }

    /** Where the engine's incidents go, in place of its log (tests that check one is recorded). */
    public static Nizhal.Builder incidents(Nizhal.Builder builder, IncidentLog incidents) {
        return builder.changeServices(config -> config.incidents(incidents));
    }

    /**
     * Another recorder of pull activity in place of the console's (a misbehaving one, to prove that pulls do not
     * depend on it: PROTOCOL P4). The console's own recorder is still built when the console is on, and unused.
     */
    public static Nizhal.Builder pullActivity(Nizhal.Builder builder, PullActivity activity) {
        return builder.changeServices(config -> config.pullActivity(activity));
    }

    /** The engine's row source as {@code wrap} makes it of the real one (a test that counts what it read). */
    public static Nizhal.Builder rowSource(Nizhal.Builder builder, UnaryOperator<RowSource> wrap) {
        return builder.changeServices(config -> ServicesTestSeams.rowSource(config, wrap));
    }
}
