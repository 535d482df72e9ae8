package dev.nizhal.ports.out;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads current rows and grants with the compiled SQL of the rules, in the caller's transaction. */
public interface RowSource {

    /** The bucket keys granted to {@code actor} by {@code rule}, in the transaction's snapshot. */
    Set<String> grants(Tx tx, CompiledRule rule, Actor actor);

    /** The bucket keys a client's filter ({@code filtersJson}: a JSON array of objects, as sent) names. */
    Set<String> requested(Tx tx, CompiledRule rule, String filtersJson);

    /** The current rows with {@code keys} that belong to one of {@code readSet}; a key without a row was deleted. */
    List<Row> changedRows(Tx tx, CompiledCollection collection, List<String> keys, Set<String> readSet);

    /** One initial-load page of {@code bucket}: rows after {@code afterKey} (null: from the start), in key order. */
    List<Row> page(Tx tx, CompiledCollection collection, String bucket, String afterKey, int limit);

    /**
     * A current row.
     *
     * @param bucket the bucket of the rule the row belongs to (null for page rows, which belong to the page's)
     * @param values the synced columns, encoded for the wire as PROTOCOL.md says
     */
    record Row(String key, String bucket, Map<String, Object> values) {}
}
