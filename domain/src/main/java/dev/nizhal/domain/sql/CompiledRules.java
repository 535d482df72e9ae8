package dev.nizhal.domain.sql;

import dev.nizhal.domain.rules.ParamType;
import dev.nizhal.domain.rules.TableName;
import java.util.List;
import java.util.Optional;

/**
 * The rules compiled to SQL: the one evaluator of every predicate, used by capture triggers, change windows, initial
 * loads and grants alike.
 *
 * <p>Runtime parameters of the fragments (everything not in a fragment's {@code constants}):
 *
 * <ul>
 *   <li>{@code :actor_id} (text) the actor's id; {@code :claims} (text holding a JSON object) the actor's verified
 *       claims, exactly as the credentials carried them;
 *   <li>{@code :filters} (text holding a JSON array of objects) the client's {@code buckets} filter, as sent;
 *   <li>{@code :keys} (text[]) row keys; {@code :buckets} (text[]) bucket keys; {@code :bucket} (text) one bucket
 *       key; {@code :after} (text) the last row key of the previous page; {@code :limit} (int) a page size.
 * </ul>
 *
 * Row-reading fragments use the table alias {@code t} and are meant to run with {@code TimeZone} set to {@code UTC},
 * so that keys holding time values are canonical.
 *
 * @param planHash SHA-256 (hex) of everything a trigger or a cursor depends on: tables, keys, predicates, allowlists
 *     and key encodings; a cursor issued under another plan is reset
 */
public record CompiledRules(List<CompiledRule> rules, List<GrantCapture> grantCaptures, String planHash) {
    public CompiledRules {
        rules = List.copyOf(rules);
        grantCaptures = List.copyOf(grantCaptures);
    }

    public Optional<CompiledRule> rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /**
     * One compiled rule.
     *
     * @param grants selects the column {@code bucket}: every bucket key granted to the actor ({@code :actor_id},
     *     {@code :claims}), computed in the caller's snapshot
     * @param requested selects the column {@code bucket}: the bucket keys a client's filter ({@code :filters}) names,
     *     its values cast and encoded by SQL; a value that does not cast names no bucket
     * @param actorGrantKeys selects the column {@code bucket}: the grant keys ({@code grant:<rule>[...]}) under which
     *     changes to this actor's parameter-query rows are captured
     * @param grantsReadTables whether {@code grants} reads tables (the rule has a parameter query); without, an actor's
     *     grants are the same whenever they are read: its id and claims cast and encoded by the compiled SQL
     */
    public record CompiledRule(
            String name,
            boolean global,
            List<Param> params,
            List<CompiledCollection> collections,
            SqlFragment grants,
            SqlFragment requested,
            SqlFragment actorGrantKeys,
            boolean grantsReadTables) {
        public CompiledRule {
            params = List.copyOf(params);
            collections = List.copyOf(collections);
        }

        public Optional<CompiledCollection> collection(String table) {
            return collections.stream().filter(c -> c.name().equals(table)).findFirst();
        }
    }

    /** A bucket parameter and the type its values are cast to before they are encoded in a key. */
    public record Param(String name, ParamType type) {}

    /**
     * One collection: a (rule, table) pair.
     *
     * @param index the collection's position in its rule (cursors store it)
     * @param name the collection's name on the wire (the table, schema-qualified outside {@code public})
     * @param key the primary-key columns
     * @param columns the synced columns, in order
     * @param bucketKey over alias {@code t}: the row's bucket key (text), for capture triggers and reads
     * @param rowMatches over alias {@code t}: the row belongs to some bucket of the rule (the full data predicate)
     * @param rowKey over alias {@code t}: the row's key as text (a JSON array for composite keys)
     * @param changedRows selects {@code nizhal_key}, {@code nizhal_bucket} and the columns of the rows with keys in
     *     {@code :keys} that belong to a bucket in {@code :buckets}
     * @param firstPage selects {@code nizhal_key} and the columns of the first {@code :limit} rows of {@code :bucket}
     *     in key order
     * @param nextPage like {@code firstPage}, for rows after the key {@code :after}
     */
    public record CompiledCollection(
            int index,
            String name,
            TableName table,
            List<String> key,
            List<String> columns,
            SqlFragment bucketKey,
            SqlFragment rowMatches,
            SqlFragment rowKey,
            SqlFragment changedRows,
            SqlFragment firstPage,
            SqlFragment nextPage) {
        public CompiledCollection {
            key = List.copyOf(key);
            columns = List.copyOf(columns);
        }
    }

    /**
     * A table read by a parameter query, captured so that a grant change is noticed.
     *
     * @param grantKey over alias {@code t}: the key {@code grant:<rule>[<actor values>]} of the row
     * @param rowMatches over alias {@code t}: the row could grant something (the query's own conditions)
     */
    public record GrantCapture(String rule, TableName table, SqlFragment grantKey, SqlFragment rowMatches) {}
}
