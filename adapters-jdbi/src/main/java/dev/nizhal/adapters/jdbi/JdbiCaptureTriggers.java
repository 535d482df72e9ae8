package dev.nizhal.adapters.jdbi;

import static dev.nizhal.domain.sql.SqlFragment.ident;
import static java.lang.System.Logger.Level.INFO;

import dev.nizhal.adapters.jdbi.CaptureFunction.Event;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.sql.CompiledRules;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.CompiledRules.GrantCapture;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Installs Nizhal's change capture (CHANGE-CAPTURE.md): the triggers, compiled from the sync rules, that write
 * {@code nizhal.change_log}. {@code nizhal migrate} calls {@link #install}.
 *
 * <h2>What is installed</h2>
 *
 * For every synced table (every table of a collection of any rule, and every table a parameter query reads): one
 * function {@code nizhal.capture_<table>_<hash>} and four statement-level {@code AFTER} triggers on the table,
 * {@code nizhal_capture_insert} ({@code REFERENCING NEW TABLE}), {@code nizhal_capture_update} (old and new table),
 * {@code nizhal_capture_delete} (old table) and {@code nizhal_capture_truncate}, each {@code ENABLE ALWAYS}. Per
 * statement the function writes one change-log row per (bucket, table) with the distinct keys (at most
 * {@value CaptureFunction#MAX_KEYS_PER_ROW} a row), computed by the compiled SQL over the statement's rows: new rows
 * on insert, old rows on delete, both on update. A key is logged under a bucket when its old or new row belongs to
 * it, so moves, key changes and rows that stop matching a filter are logged under the bucket they left; rows of no
 * bucket are not logged. A parameter query's table logs one row per grant key with no keys. {@code TRUNCATE} logs
 * the marker bucket {@link dev.nizhal.ports.out.ChangeLog#truncateBucket}. The table name logged is the synced
 * table's ({@link TableName#toString()}, the collection's name on the wire).
 *
 * <p>The functions are {@code SECURITY DEFINER} (writers need no privilege on schema {@code nizhal}; {@code EXECUTE}
 * is revoked from {@code PUBLIC}, so nobody can attach them elsewhere) with a pinned {@code search_path} and pinned
 * output settings: {@code TimeZone} is UTC, so a key holding a time ({@code cast(timestamptz as text)}) is the same
 * text whatever the writing session's time zone; {@code DateStyle}, {@code IntervalStyle}, {@code
 * extra_float_digits} and {@code bytea_output} are pinned to PostgreSQL's defaults for the same reason (see {@link
 * #KEY_SETTINGS}); a function whose rules read only columns of types that no such setting changes pins only its
 * {@code search_path} ({@link CaptureFunction#of}). They set {@code synchronous_commit = on} for the writing
 * transaction. The triggers see the final
 * rows, after the user's {@code BEFORE} triggers.
 *
 * <h2>Partitioned tables</h2>
 *
 * PostgreSQL fires the statement triggers of the table a statement names, not those of its partitions, nor of the
 * parent when it names a partition. So the triggers go on the parent and on every partition (and sub-partition, and
 * inheritance child), all calling the parent's function, which logs under the parent's name: a statement through
 * the parent is captured by the parent's triggers (a row moving between partitions is an update of the parent), one
 * naming a partition by the partition's. PostgreSQL allows transition tables on statement triggers of partitions
 * (it refuses them on row triggers of partitions and on foreign tables). {@code install} refuses a foreign partition
 * (it cannot be captured) and a synced table that is itself a partition or an inheritance child (a statement
 * through its parent would not fire its statement triggers: sync the parent). A partition created or attached after
 * {@code install} has no triggers: statements through the parent still capture its rows, but one naming the new
 * partition directly is <b>not captured until {@code nizhal migrate} runs again</b>, which notices the partition
 * without triggers and regenerates even when the rules did not change.
 *
 * <h2>Known bypasses</h2>
 *
 * Writes that do not fire the triggers are not captured, and clients do not learn about them until a reset:
 *
 * <ul>
 *   <li>{@code ALTER TABLE ... DISABLE TRIGGER} (one, {@code ALL} or {@code USER}) on a synced table or partition;
 *       {@code nizhal migrate} re-enables them, but changes made meanwhile are lost to clients;
 *   <li>{@code ATTACH PARTITION} of a table that already holds rows, and {@code DETACH PARTITION} or {@code DROP} of
 *       a partition: rows appear in or vanish from the parent without a statement on it;
 *   <li>restores ({@code pg_restore} of data, file-level backups, point-in-time recovery): rotate the identity so
 *       that every client resets;
 *   <li>logical replication into a synced table (the apply worker fires row triggers only), and anything that
 *       writes below SQL ({@code pg_upgrade}-style tools, extensions writing heap tuples);
 *   <li>a superuser or the table owner dropping or replacing the triggers or functions;
 *   <li>a {@code MERGE} on a partitioned table whose only action is {@code UPDATE} and which moves a row to another
 *       partition: PostgreSQL (15 to 18) puts the moved row in the statement's delete and insert transition tables
 *       and fires only its update statement triggers, so the move is not captured (a plain {@code UPDATE} moving the
 *       row is, and so is a {@code MERGE} that also has an {@code INSERT} or {@code DELETE} action).
 * </ul>
 *
 * <p>Not a bypass, but stale until {@code nizhal migrate} runs again: {@code ALTER TABLE ... ALTER COLUMN ... TYPE}
 * (or {@code ... COLLATE}) of a column a rule reads. The function was generated for the column's type at install:
 * which settings it pins, and whether it groups rows by the column before computing bucket keys (see {@link
 * CaptureFunction#of}). Until then its keys may be printed under the writer's settings (a column changed to
 * {@code timestamptz} is printed in the writer's time zone); rows are grouped by the column's text as well as by its
 * value, so a coarser {@code =} ({@code citext}, a nondeterministic collation) does not merge buckets. Migrate reads
 * the column types again and replaces the function when the generated one differs, or refuses rules that no longer
 * compile (a parameter bound to a {@code citext} column).
 *
 * <h2>Locks</h2>
 *
 * Every install and uninstall takes one transaction-level advisory lock, so instances migrating at once run one after
 * the other. When nothing changed, install reads the catalog and takes no table lock. Regeneration happens in one
 * transaction: it locks the synced tables ({@code SHARE ROW EXCLUSIVE}, which waits for their writers and keeps
 * partitions from being created) and briefly holds {@code ACCESS EXCLUSIVE} while dropping old triggers; run it at
 * deploy time, not under a long transaction on a synced table.
 */
public final class JdbiCaptureTriggers {

    /**
     * The settings every capture function runs with, as {@code name=value} ({@code pg_proc.proconfig}). Code that
     * computes row keys or bucket keys outside the triggers (pull, loads) must use the same values for the output
     * settings, or a key it computes may differ from the logged one.
     */
    public static final List<String> KEY_SETTINGS = CaptureFunction.SETTINGS;

    private static final System.Logger LOG = System.getLogger(JdbiCaptureTriggers.class.getName());

    /** "nizhal" in ASCII: the one advisory lock of install and uninstall. */
    static final long LOCK_KEY = 0x6E697A68616CL;

    private static final String RELATION = """
            select c.oid::pg_catalog.int8 as oid, c.relkind::pg_catalog.text as kind, c.relispartition as partition
            from pg_catalog.pg_class c
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where n.nspname = :schema and c.relname = :table
            """;

    private static final String PARENTS = """
            select n.nspname, c.relname
            from pg_catalog.pg_inherits i
            join pg_catalog.pg_class c on c.oid = i.inhparent
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where i.inhrelid = :oid
            order by i.inhseqno
            """;

    // partitions, sub-partitions and inheritance children alike: pg_inherits holds them all
    private static final String DESCENDANTS = """
            with recursive d(oid) as (
                select i.inhrelid from pg_catalog.pg_inherits i where i.inhparent = :oid
                union
                select i.inhrelid from pg_catalog.pg_inherits i join d on i.inhparent = d.oid
            )
            select c.oid::pg_catalog.int8 as oid, n.nspname, c.relname, c.relkind::pg_catalog.text as kind,
                   c.relispartition as partition
            from d
            join pg_catalog.pg_class c on c.oid = d.oid
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            order by n.nspname, c.relname
            """;

    // by name and by function, so that a renamed trigger on a capture function is found too
    private static final String CAPTURE_TRIGGERS = """
            select t.tgrelid::pg_catalog.int8 as relation, n.nspname, c.relname, t.tgname,
                   t.tgenabled::pg_catalog.text as enabled, t.tgtype::pg_catalog.int4 as type,
                   t.tgoldtable::pg_catalog.text as old_table, t.tgnewtable::pg_catalog.text as new_table,
                   fn.nspname as function_schema, p.proname as function
            from pg_catalog.pg_trigger t
            join pg_catalog.pg_class c on c.oid = t.tgrelid
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            join pg_catalog.pg_proc p on p.oid = t.tgfoid
            join pg_catalog.pg_namespace fn on fn.oid = p.pronamespace
            where not t.tgisinternal
              and (t.tgname like :trigger_prefix or (fn.nspname = 'nizhal' and p.proname like :function_prefix))
            """;

    // the columns whose values are equal only when identical and whose text depends on no setting (see
    // CaptureFunction.of): a few built-in types by oid (a domain over them has its own oid and is not listed), text
    // and varchar only with a deterministic collation. The oids are PostgreSQL's fixed ones (bool 16, int2 21, int4
    // 23, int8 20, uuid 2950, text 25, varchar 1043), not names: a type of the same name in a schema before
    // pg_catalog on the installing session's search path cannot stand in for them
    private static final String PLAIN_COLUMNS = """
            select a.attname
            from pg_catalog.pg_attribute a
            left join pg_catalog.pg_collation co on co.oid = a.attcollation
            where a.attrelid = :oid and a.attnum > 0 and not a.attisdropped
              and (a.atttypid operator(pg_catalog.=) any ('{16, 21, 23, 20, 2950}'::pg_catalog.oid[])
                   or (a.atttypid operator(pg_catalog.=) any ('{25, 1043}'::pg_catalog.oid[])
                       and co.collisdeterministic))
            """;

    private static final String CAPTURE_FUNCTIONS = """
            select p.proname, p.prosrc, p.prosecdef, coalesce(p.proconfig, '{}') as proconfig,
                   p.oid::pg_catalog.regprocedure::pg_catalog.text as signature
            from pg_catalog.pg_proc p
            join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'nizhal' and p.proname like :function_prefix
            """;

    private final DataSource dataSource;
    private final Jdbi jdbi;

    /** Installs into the database of {@code dataSource}, as its user (who owns the generated functions). */
    public JdbiCaptureTriggers(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.jdbi = Jdbi.create(dataSource);
    }

    /** What {@link #install} did. */
    public sealed interface Installation permits Unchanged, Regenerated {
        /** The plan hash now stored in {@code nizhal.meta}. */
        String planHash();

        /** Every relation that carries capture triggers: the synced tables and their partitions. */
        List<TableName> relations();
    }

    /** The stored plan hash was the compiled one and every expected trigger and function was in place: no DDL ran. */
    public record Unchanged(String planHash, List<TableName> relations) implements Installation {
        public Unchanged {
            relations = List.copyOf(relations);
        }
    }

    /** Every capture trigger and function was dropped and created anew for the plan, in one transaction. */
    public record Regenerated(String planHash, List<TableName> relations) implements Installation {
        public Regenerated {
            relations = List.copyOf(relations);
        }
    }

    /**
     * Migrates schema {@code nizhal} ({@link NizhalSchemaMigration}), then, in one transaction, makes the capture
     * triggers those of {@code compiled}: nothing happens when the stored plan hash is {@code compiled}'s and every
     * expected trigger and function is in place; otherwise every Nizhal capture trigger and function is dropped,
     * created anew and the plan hash stored. Re-running it is a no-op.
     *
     * @param compiled the rules compiled against this database's live schema
     * @throws IllegalStateException naming the table when a synced table does not exist, is not a table, has a
     *     partition or child that cannot be captured (a foreign table), or is itself a partition or an inheritance
     *     child; nothing is changed then
     */
    public Installation install(CompiledRules compiled) {
        Objects.requireNonNull(compiled, "compiled");
        new NizhalSchemaMigration(dataSource).migrate();
        Map<TableName, Captured> synced = synced(compiled);
        // READ COMMITTED whatever the server's default: each statement after the lock must see what an instance
        // that held the lock before committed (under REPEATABLE READ the snapshot would predate the wait)
        return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, handle -> {
            advisoryLock(handle);
            UnaryOperator<String> quote = quoteLiteral(handle);
            String stored = handle.createQuery("select plan_hash from nizhal.meta")
                    .mapTo(String.class)
                    .one();

            List<Target> targets = resolve(handle, synced, quote);
            if (compiled.planHash().equals(stored)
                    && expectedFunctions(targets).equals(functions(handle))
                    && expectedTriggers(targets).equals(triggers(handle))) {
                return new Unchanged(stored, relations(targets));
            }

            lock(handle, synced.keySet());
            // again under the locks: no partition is created or attached until this transaction ends
            targets = resolve(handle, synced, quote);
            drop(handle);
            for (Target target : targets) {
                create(handle, target, quote);
            }
            // the catalog as it is now, not as planned: a partition without triggers fails the install
            verify(handle, resolve(handle, synced, quote));
            handle.createUpdate("update nizhal.meta set plan_hash = :plan, updated_at = now()")
                    .bind("plan", compiled.planHash())
                    .execute();
            List<TableName> relations = relations(targets);
            LOG.log(
                    INFO,
                    "Change capture regenerated for plan {0}: {1} tables, {2} relations",
                    compiled.planHash(),
                    targets.size(),
                    relations.size());
            return new Regenerated(compiled.planHash(), relations);
        });
    }

    /**
     * Drops every Nizhal capture trigger and function (found by their names: triggers {@code nizhal_capture_*} and
     * triggers calling a function {@code nizhal.capture_*}, and those functions), in one transaction. User tables
     * are otherwise left as they are.
     *
     * @param dropSchema also drop schema {@code nizhal} with everything in it (change log, journal, meta, Flyway's
     *     history, and whatever depends on them); otherwise the stored plan hash is cleared, so that the next
     *     install regenerates
     */
    public void uninstall(boolean dropSchema) {
        jdbi.useTransaction(TransactionIsolationLevel.READ_COMMITTED, handle -> {
            advisoryLock(handle);
            drop(handle);
            boolean schemaExists = handle.createQuery(
                            "select exists (select from pg_catalog.pg_namespace where nspname = 'nizhal')")
                    .mapTo(Boolean.class)
                    .one();
            if (!schemaExists) {
                return;
            }
            if (dropSchema) {
                ddl(handle, "drop schema nizhal cascade");
            } else {
                handle.execute("update nizhal.meta set plan_hash = null, updated_at = now()");
            }
        });
    }

    // --- the plan: what is captured where

    /** What the rules capture on one synced table. */
    private record Captured(List<CompiledCollection> collections, List<GrantCapture> grantCaptures) {}

    /** A synced table's function and the relations whose triggers call it (the table first, then its partitions). */
    private record Target(CaptureFunction function, List<Relation> relations) {}

    private record Relation(long oid, TableName name, String kind, boolean partition) {}

    private static Map<TableName, Captured> synced(CompiledRules compiled) {
        Map<TableName, List<CompiledCollection>> collections = new TreeMap<>();
        Map<TableName, List<GrantCapture>> grants = new TreeMap<>();
        for (CompiledRule rule : compiled.rules()) {
            for (CompiledCollection c : rule.collections()) {
                collections.computeIfAbsent(c.table(), t -> new ArrayList<>()).add(c);
            }
        }
        for (GrantCapture g : compiled.grantCaptures()) {
            grants.computeIfAbsent(g.table(), t -> new ArrayList<>()).add(g);
        }
        Map<TableName, Captured> synced = new TreeMap<>();
        Set<TableName> tables = new LinkedHashSet<>(collections.keySet());
        tables.addAll(grants.keySet());
        for (TableName table : tables) {
            synced.put(
                    table,
                    new Captured(collections.getOrDefault(table, List.of()), grants.getOrDefault(table, List.of())));
        }
        return synced;
    }

    private static List<Target> resolve(Handle handle, Map<TableName, Captured> synced, UnaryOperator<String> quote) {
        List<Target> targets = new ArrayList<>();
        Map<Long, TableName> coveredBy = new HashMap<>();
        for (Map.Entry<TableName, Captured> entry : synced.entrySet()) {
            TableName table = entry.getKey();
            Relation root = handle.createQuery(RELATION)
                    .bind("schema", table.schema())
                    .bind("table", table.table())
                    .map((rs, ctx) ->
                            new Relation(rs.getLong("oid"), table, rs.getString("kind"), rs.getBoolean("partition")))
                    .findOne()
                    .orElseThrow(() -> new IllegalStateException(
                            "Cannot capture changes of " + table + ": the sync rules read it, but it does not exist"));
            if (!root.kind().equals("r") && !root.kind().equals("p")) {
                throw new IllegalStateException("Cannot capture changes of " + table
                        + ": the sync rules read it, but it is not a table (relkind " + root.kind() + ")");
            }
            List<TableName> parents = handle.createQuery(PARENTS)
                    .bind("oid", root.oid())
                    .map((rs, ctx) -> new TableName(rs.getString("nspname"), rs.getString("relname")))
                    .list();
            if (!parents.isEmpty()) {
                TableName parent = parents.getFirst();
                throw new IllegalStateException("Cannot capture changes of " + table + ": it is "
                        + (root.partition() ? "a partition" : "an inheritance child") + " of " + parent
                        + ", and a statement through " + parent + " does not fire its statement triggers; sync "
                        + parent + " instead (its partitions are captured with it)");
            }
            List<Relation> relations = new ArrayList<>();
            relations.add(root);
            relations.addAll(handle.createQuery(DESCENDANTS)
                    .bind("oid", root.oid())
                    .map((rs, ctx) -> new Relation(
                            rs.getLong("oid"),
                            new TableName(rs.getString("nspname"), rs.getString("relname")),
                            rs.getString("kind"),
                            rs.getBoolean("partition")))
                    .list());
            for (Relation relation : relations.subList(1, relations.size())) {
                String what =
                        (relation.partition() ? "a partition" : "an inheritance child") + " of synced table " + table;
                if (!relation.kind().equals("r") && !relation.kind().equals("p")) {
                    throw new IllegalStateException("Cannot capture changes of " + relation.name() + ", " + what
                            + ": it is not a plain table (relkind " + relation.kind() + "), and its triggers cannot"
                            + " have transition tables; writes naming it would escape change capture");
                }
            }
            for (Relation relation : relations) {
                TableName other = coveredBy.putIfAbsent(relation.oid(), table);
                if (other != null) {
                    throw new IllegalStateException("Cannot capture changes of " + relation.name()
                            + ": it inherits from two synced tables, " + other + " and " + table);
                }
            }
            Captured captured = entry.getValue();
            Set<String> plainColumns = Set.copyOf(handle.createQuery(PLAIN_COLUMNS)
                    .bind("oid", root.oid())
                    .map((rs, ctx) -> ident(rs.getString("attname")))
                    .list());
            targets.add(new Target(
                    CaptureFunction.of(table, captured.collections(), captured.grantCaptures(), plainColumns, quote),
                    relations));
        }
        return targets;
    }

    private static List<TableName> relations(List<Target> targets) {
        return targets.stream()
                .flatMap(t -> t.relations().stream())
                .map(Relation::name)
                .toList();
    }

    // --- comparing the catalog with the plan

    private record FunctionState(String name, String source, boolean securityDefiner, List<String> settings) {}

    private record TriggerState(
            long relation,
            TableName table,
            String name,
            String enabled,
            int type,
            String oldTable,
            String newTable,
            String functionSchema,
            String function) {}

    private static Set<FunctionState> expectedFunctions(List<Target> targets) {
        return targets.stream()
                .map(t -> new FunctionState(
                        t.function().name(),
                        t.function().source(),
                        true,
                        t.function().settings()))
                .collect(Collectors.toSet());
    }

    private static Set<TriggerState> expectedTriggers(List<Target> targets) {
        Set<TriggerState> expected = new HashSet<>();
        for (Target target : targets) {
            for (Relation relation : target.relations()) {
                for (Event event : Event.values()) {
                    expected.add(new TriggerState(
                            relation.oid(),
                            relation.name(),
                            event.triggerName(),
                            "A", // ENABLE ALWAYS
                            event.tgtype(),
                            event.oldTable(),
                            event.newTable(),
                            NizhalSchemaMigration.SCHEMA,
                            target.function().name()));
                }
            }
        }
        return expected;
    }

    private static Set<FunctionState> functions(Handle handle) {
        return new HashSet<>(handle.createQuery(CAPTURE_FUNCTIONS)
                .bind("function_prefix", CaptureFunction.FUNCTION_PREFIX.replace("_", "\\_") + "%")
                .map((rs, ctx) -> new FunctionState(
                        rs.getString("proname"),
                        rs.getString("prosrc"),
                        rs.getBoolean("prosecdef"),
                        strings(rs.getArray("proconfig"))))
                .list());
    }

    private static Set<TriggerState> triggers(Handle handle) {
        return new HashSet<>(handle.createQuery(CAPTURE_TRIGGERS)
                .bind("trigger_prefix", CaptureFunction.TRIGGER_PREFIX.replace("_", "\\_") + "%")
                .bind("function_prefix", CaptureFunction.FUNCTION_PREFIX.replace("_", "\\_") + "%")
                .map((rs, ctx) -> new TriggerState(
                        rs.getLong("relation"),
                        new TableName(rs.getString("nspname"), rs.getString("relname")),
                        rs.getString("tgname"),
                        rs.getString("enabled"),
                        rs.getInt("type"),
                        rs.getString("old_table"),
                        rs.getString("new_table"),
                        rs.getString("function_schema"),
                        rs.getString("function")))
                .list());
    }

    private static List<String> strings(Array array) throws SQLException {
        return List.of((String[]) array.getArray());
    }

    // --- DDL

    private static void advisoryLock(Handle handle) {
        ddl(handle, "select pg_catalog.pg_advisory_xact_lock(" + LOCK_KEY + ")");
    }

    private static void lock(Handle handle, Set<TableName> tables) {
        if (tables.isEmpty()) {
            return;
        }
        // without ONLY: partitions and children are locked too, so none can be created or attached meanwhile
        ddl(
                handle,
                "lock table "
                        + tables.stream().map(CaptureFunction::qualified).collect(Collectors.joining(", "))
                        + " in share row exclusive mode");
    }

    private static void drop(Handle handle) {
        for (TriggerState trigger : triggers(handle)) {
            ddl(handle, "drop trigger " + ident(trigger.name()) + " on " + CaptureFunction.qualified(trigger.table()));
        }
        List<String> signatures = handle.createQuery(CAPTURE_FUNCTIONS)
                .bind("function_prefix", CaptureFunction.FUNCTION_PREFIX.replace("_", "\\_") + "%")
                .map((rs, ctx) -> rs.getString("signature"))
                .list();
        for (String signature : signatures) {
            ddl(handle, "drop function " + signature);
        }
    }

    private static void create(Handle handle, Target target, UnaryOperator<String> quote) {
        CaptureFunction function = target.function();
        ddl(handle, function.createFunction());
        ddl(handle, function.revokeExecute());
        ddl(handle, function.comment(quote));
        for (Relation relation : target.relations()) {
            for (Event event : Event.values()) {
                ddl(handle, function.createTrigger(event, relation.name()));
                ddl(handle, CaptureFunction.enableAlways(event, relation.name()));
            }
        }
    }

    /** The plan's triggers and functions are exactly what the catalog holds now, or the install fails. */
    private static void verify(Handle handle, List<Target> targets) {
        Set<TriggerState> expected = expectedTriggers(targets);
        Set<TriggerState> actual = triggers(handle);
        for (TriggerState missing : expected) {
            if (!actual.contains(missing)) {
                throw new IllegalStateException("Capture trigger " + missing.name() + " is missing on "
                        + missing.table() + " after install: writes to it would escape change capture");
            }
        }
        if (!expected.equals(actual) || !expectedFunctions(targets).equals(functions(handle))) {
            throw new IllegalStateException("Capture triggers or functions differ from the plan after install");
        }
    }

    /**
     * DDL through plain JDBC: JDBI would read {@code :name} in generated SQL (literals of rule constants) as bind
     * parameters.
     */
    private static void ddl(Handle handle, String sql) {
        try (Statement statement = handle.getConnection().createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Change capture DDL failed: " + e.getMessage() + "\n" + sql, e);
        }
    }

    /** PostgreSQL's own {@code quote_literal}: quoting is never hand-written. */
    private static UnaryOperator<String> quoteLiteral(Handle handle) {
        Map<String, String> quoted = new HashMap<>();
        return value -> quoted.computeIfAbsent(
                value,
                v -> handle.createQuery("select pg_catalog.quote_literal(cast(:v as text))")
                        .bind("v", v)
                        .mapTo(String.class)
                        .one());
    }
}
