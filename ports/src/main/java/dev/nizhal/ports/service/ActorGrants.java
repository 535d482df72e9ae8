package dev.nizhal.ports.service;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.Tx;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An actor's grants under a rule, as {@link RowSource#grants} reads them, remembered for the rules whose grants read
 * no table ({@link CompiledRule#grantsReadTables()} false: parameters from the actor's id and claims only, or a global
 * rule): those are the same whenever they are read, so each push and pull of a known actor saves the round trip.
 * Rules with parameter queries are read every time, in the caller's transaction. At most {@value #REMEMBERED} actors'
 * grants are kept per instance; when full, all are forgotten at once. One instance per compiled rules.
 */
final class ActorGrants {
    /** How many (rule, actor) grant sets are kept at most. */
    static final int REMEMBERED = 10_000;

    private record Key(String rule, Actor actor) {}

    private final Map<Key, Set<String>> remembered = new ConcurrentHashMap<>();

    /** {@code actor}'s grants under {@code rule}, read with {@code rows} in {@code tx} unless remembered. */
    Set<String> of(Tx tx, RowSource rows, CompiledRule rule, Actor actor) {
        if (rule.grantsReadTables()) {
            return rows.grants(tx, rule, actor);
        }
        Key key = new Key(rule.name(), actor);
        Set<String> known = remembered.get(key);
        if (known != null) {
            return known;
        }
        Set<String> read = Set.copyOf(rows.grants(tx, rule, actor));
        if (remembered.size() >= REMEMBERED) {
            remembered.clear();
        }
        remembered.put(key, read);
        return read;
    }
}
