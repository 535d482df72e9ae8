package dev.nizhal.server;

import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import javax.sql.DataSource;

/**
 * An application as the {@code nizhal} CLI runs it: its sync rules and mutators, and optional hooks. The CLI finds it
 * by {@code --app <class>} (a public class with a public no-argument constructor) or, without {@code --app}, as the
 * one {@link java.util.ServiceLoader} entry {@code META-INF/services/dev.nizhal.server.NizhalApp} on the class path.
 *
 * <pre>{@code
 * public final class NotesApp implements NizhalApp {
 *     public SyncRules rules() { return SyncRules.define(b -> ...); }
 *     public Mutators mutators() { return Mutators.define(m -> ...); }
 * }
 * }</pre>
 */
public interface NizhalApp {

    /** The sync rules; linted against the live schema before anything runs. */
    SyncRules rules();

    /** The mutators that {@code POST /sync/push} runs. */
    Mutators mutators();

    /**
     * Runs before {@code migrate} in {@code nizhal serve} and {@code nizhal migrate}, e.g. to create the app's own
     * tables (it must be safe to re-run). Nothing by default.
     */
    default void prepare(DataSource dataSource) {}

    /** Lets the app adjust the server before {@code nizhal serve} starts it (limits, stop timeout). */
    default void configure(NizhalServer.Builder server) {}
}
