package dev.nizhal.jakarta;

import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import javax.sql.DataSource;

/**
 * An application's rules and mutators, as one CDI bean of the WAR (any scope; {@code @ApplicationScoped} is usual).
 * Instead of this bean, the application may produce a {@link SyncRules} and a {@link Mutators} bean; an {@code
 * ActorResolver} bean replaces the JWT verification of {@code nizhal.jwt.*}, an {@code ArgsCodec} bean the default
 * {@code JacksonArgsCodec}.
 *
 * <pre>{@code
 * @ApplicationScoped
 * public class NotesApp implements NizhalApp {
 *     public SyncRules rules() { return SyncRules.define(b -> ...); }
 *     public Mutators mutators() { return Mutators.define(m -> ...); }
 * }
 * }</pre>
 */
public interface NizhalApp {

    /** The sync rules; linted against the live schema before the application serves anything. */
    SyncRules rules();

    /** The mutators that {@code POST /sync/push} runs. */
    Mutators mutators();

    /** Runs at start before the migration, e.g. to create the application's tables (safe to re-run). */
    default void prepare(DataSource dataSource) {}
}
