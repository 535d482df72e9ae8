package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.ReadAhead;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.SqlFragment;
import dev.nizhal.ports.out.RowSource;
import dev.nizhal.ports.out.RowValues;
import dev.nizhal.ports.out.Tx;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.TemplateEngine;

/**
 * {@link RowSource} on PostgreSQL: runs the compiled SQL of the rules in the caller's transaction and encodes row
 * values as {@link RowSource} says. Every named parameter of a fragment is bound, from its constants or from the
 * runtime values of the call, and no other: a fragment naming a parameter the call cannot supply fails loudly.
 *
 * <p>Keys holding time values are canonical only when the transaction runs with {@code TimeZone} {@code UTC}, as
 * {@link JdbiTransactions#inReadTransaction} does.
 */
public final class JdbiRowSource implements RowSource {

    /**
     * The actor's claims as a JSON object, built by PostgreSQL from three parallel arrays (name, JSON type, text),
     * so that no JSON is written by hand here and a number claim stays a JSON number (a string claim "42" and a
     * number claim 42 are different JSON, even if the compiled SQL reads both as text today).
     */
    static final String CLAIMS_SQL = """
            select cast(coalesce(jsonb_object_agg(c.name, case c.kind
                                                      when 'number' then to_jsonb(cast(c.value as numeric))
                                                      when 'boolean' then to_jsonb(cast(c.value as boolean))
                                                      else to_jsonb(c.value) end),
                                 '{}') as text)
            from unnest(cast(:names as text[]), cast(:kinds as text[]), cast(:values as text[]))
                as c(name, kind, value)
            """;

    /** Creates the row source; it holds no state, every call works in the transaction it is given. */
    public JdbiRowSource() {}

    /**
     * {@inheritDoc}
     *
     * <p>Claims reach the SQL as a JSON object with the claims whose values are a {@link String}, a {@link Boolean}
     * or a finite number of the JDK's own types ({@link Integer}, {@link Long}, {@link Short}, {@link Byte}, {@link
     * BigInteger}, {@link BigDecimal}, {@link Float}, {@link Double}), each as that JSON type; any other claim (a
     * list, an object, NaN) is left out, so a rule parameter taken from it names no bucket.
     */
    @Override
    public Set<String> grants(Tx tx, CompiledRule rule, Actor actor) {
        return forActor(tx, rule.grants(), actor);
    }

    @Override
    public Set<String> grantKeys(Tx tx, CompiledRule rule, Actor actor) {
        return forActor(tx, rule.actorGrantKeys(), actor);
    }

    /** The keys {@code fragment} selects for {@code actor}'s id and claims. */
    private Set<String> forActor(Tx tx, SqlFragment fragment, Actor actor) {
        Objects.requireNonNull(actor, "actor");
        Handle handle = handle(tx);
        Map<String, Consumer<Query>> runtime = Map.of(
                "actor_id", q -> q.bind("actor_id", actor.id()),
                "claims", q -> q.bind("claims", claimsJson(handle, actor.claims())));
        return buckets(compiled(handle, fragment, runtime));
    }

    @Override
    public Set<String> requested(Tx tx, CompiledRule rule, String filtersJson) {
        Objects.requireNonNull(filtersJson, "filtersJson");
        Map<String, Consumer<Query>> runtime = Map.of("filters", q -> q.bind("filters", filtersJson));
        return buckets(compiled(handle(tx), rule.requested(), runtime));
    }

    @Override
    public List<Row> changedRows(Tx tx, CompiledCollection collection, List<String> keys, Set<String> readSet) {
        if (keys.isEmpty() || readSet.isEmpty()) {
            return List.of();
        }
        Map<String, Consumer<Query>> runtime = Map.of(
                "keys", q -> q.bindArray("keys", String.class, List.copyOf(keys)),
                "buckets", q -> q.bindArray("buckets", String.class, List.copyOf(readSet)));
        return rows(compiled(handle(tx), collection.changedRows(), runtime), collection, true);
    }

    @Override
    public Page page(Tx tx, CompiledCollection collection, String bucket, String afterKey, int limit, long maxBytes) {
        Objects.requireNonNull(bucket, "bucket");
        if (limit < 0) {
            throw new IllegalArgumentException("a page size cannot be negative: " + limit);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("a page's size bound must be positive: " + maxBytes);
        }
        Map<String, Consumer<Query>> runtime = Map.of(
                "bucket", q -> q.bind("bucket", bucket),
                "limit", q -> q.bind("limit", limit),
                "after", q -> q.bind("after", afterKey));
        SqlFragment fragment = afterKey == null ? collection.firstPage() : collection.nextPage();
        Query query = compiled(handle(tx), fragment, runtime);
        PageReader reader = new PageReader(collection, limit, maxBytes);
        // the driver reads the result by fetches within the transaction, the first one small (see PageReader)
        query.setFetchSize(reader.nextFetch());
        List<Row> rows = new ArrayList<>(Math.min(limit, 1_024));
        try (ResultIterator<Row> page = query.map(reader).iterator()) {
            while (reader.bytes < maxBytes && page.hasNext()) {
                rows.add(page.next());
            }
        }
        return new Page(rows, reader.bytes, reader.bytes >= maxBytes && rows.size() < limit);
    }

    /**
     * Maps a page's rows, adds up their sizes, and after each row sets the size of the driver's next fetch as {@link
     * ReadAhead} says, and one more than the rows the limit leaves: the fetch that holds a result's last rows then also
     * brings its end, rather than a fetch of its own. So a page reads ahead of what it keeps by at most one fetch (a
     * page of narrow rows takes about four fetches).
     */
    static final class PageReader implements RowMapper<Row> {
        private final int limit;
        private final long maxBytes;
        private RowMapper<Row> rows;
        private int count;
        private long widest;
        long bytes;

        PageReader(CompiledCollection collection, int limit, long maxBytes) {
            this.rows = new RowReader(collection, false);
            this.limit = limit;
            this.maxBytes = maxBytes;
        }

        @Override
        public RowMapper<Row> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
            rows = rows.specialize(rs, ctx);
            return this;
        }

        @Override
        public Row map(ResultSet rs, StatementContext ctx) throws SQLException {
            Row row = rows.map(rs, ctx);
            long size = row.size();
            count++;
            bytes += size;
            widest = Math.max(widest, size);
            rs.setFetchSize(nextFetch());
            return row;
        }

        /** The size of the driver's next fetch, as the class says. */
        int nextFetch() {
            return ReadAhead.step(count, count, bytes, widest, maxBytes, limit - count + 1L);
        }
    }

    /**
     * The claims JSON object for {@code :claims}; see {@link #grants}. Package-private for the test that checks
     * each JSON type.
     */
    static String claimsJson(Handle handle, Map<String, Object> claims) {
        List<String> names = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        List<String> values = new ArrayList<>();
        // sorted by name: the same claims give the same statement, whatever the map's order
        new TreeMap<>(claims).forEach((name, value) -> {
            String kind = kind(value);
            if (kind != null) {
                names.add(name);
                kinds.add(kind);
                values.add(value.toString());
            }
        });
        if (names.isEmpty()) {
            return "{}";
        }
        return compiled(
                        handle,
                        SqlFragment.of(CLAIMS_SQL),
                        Map.of(
                                "names", q -> q.bindArray("names", String.class, names),
                                "kinds", q -> q.bindArray("kinds", String.class, kinds),
                                "values", q -> q.bindArray("values", String.class, values)))
                .mapTo(String.class)
                .one();
    }

    private static String kind(Object value) {
        return switch (value) {
            case String s -> "string";
            case Boolean b -> "boolean";
            case Double d -> d.isNaN() || d.isInfinite() ? null : "number";
            case Float f -> f.isNaN() || f.isInfinite() ? null : "number";
            case Integer i -> "number";
            case Long l -> "number";
            case Short s -> "number";
            case Byte b -> "number";
            case BigInteger i -> "number";
            case BigDecimal d -> "number";
            default -> null;
        };
    }

    /**
     * A query of compiled SQL with each of its named parameters bound: from the fragment's constants, else from
     * {@code runtime}; runtime values the SQL does not name are not bound (JDBI refuses superfluous bindings, and
     * which runtime parameters a fragment uses depends on the rule).
     */
    private static Query compiled(Handle handle, SqlFragment fragment, Map<String, Consumer<Query>> runtime) {
        Query query = handle.createQuery(fragment.sql());
        SqlStatements statements = query.getConfig(SqlStatements.class);
        // compiled SQL is never a template: a '<' comparison must reach PostgreSQL as it is
        statements.setTemplateEngine(TemplateEngine.NOP);
        // the parser JDBI itself will use, so quoted text, '::' casts and comments count exactly as they will
        List<String> used = statements
                .getSqlParser()
                .parse(fragment.sql(), query.getContext())
                .getParameters()
                .getParameterNames();
        for (String name : new LinkedHashSet<>(used)) {
            if (fragment.constants().containsKey(name)) {
                query.bind(name, fragment.constants().get(name));
            } else if (runtime.containsKey(name)) {
                runtime.get(name).accept(query);
            } else {
                throw new IllegalStateException("The compiled SQL names the parameter :" + name
                        + ", which is neither one of its constants nor supplied here (" + runtime.keySet() + ")");
            }
        }
        return query;
    }

    private static Set<String> buckets(Query query) {
        return Collections.unmodifiableSet(
                new LinkedHashSet<>(query.mapTo(String.class).list()));
    }

    private static List<Row> rows(Query query, CompiledCollection collection, boolean withBucket) {
        return query.map(new RowReader(collection, withBucket)).list();
    }

    /**
     * Maps the rows of one result of compiled SQL. The shape and the column readers are settled once per result
     * ({@link #specialize}), not per row: the driver's metadata look-ups per value cost more than many values.
     */
    private static final class RowReader implements RowMapper<Row> {
        private final CompiledCollection collection;
        private final boolean withBucket;
        private final WireValues.Column[] readers;

        RowReader(CompiledCollection collection, boolean withBucket) {
            this(collection, withBucket, null);
        }

        private RowReader(CompiledCollection collection, boolean withBucket, WireValues.Column[] readers) {
            this.collection = collection;
            this.withBucket = withBucket;
            this.readers = readers;
        }

        @Override
        public RowMapper<Row> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
            return new RowReader(collection, withBucket, readers(rs.getMetaData(), collection, withBucket));
        }

        @Override
        public Row map(ResultSet rs, StatementContext ctx) throws SQLException {
            WireValues.Column[] columns = readers != null ? readers : readers(rs.getMetaData(), collection, withBucket);
            int first = withBucket ? 3 : 2;
            Object[] values = new Object[columns.length];
            for (int i = 0; i < columns.length; i++) {
                values[i] = columns[i].read(rs, first + i);
            }
            return new Row(
                    rs.getString(1), withBucket ? rs.getString(2) : null, new RowValues(collection.columns(), values));
        }
    }

    /** The readers of the synced columns of a result, after checking its shape against the compiled one. */
    private static WireValues.Column[] readers(
            ResultSetMetaData meta, CompiledCollection collection, boolean withBucket) throws SQLException {
        // the compiled shape: nizhal_key, [nizhal_bucket,] then the synced columns in order; checked by label, so
        // a drift between compiler and adapter fails here instead of mislabelling values
        int first = withBucket ? 3 : 2;
        List<String> columns = collection.columns();
        if (meta.getColumnCount() != first - 1 + columns.size()
                || !meta.getColumnLabel(1).equals("nizhal_key")
                || (withBucket && !meta.getColumnLabel(2).equals("nizhal_bucket"))) {
            throw new IllegalStateException("Unexpected columns in the compiled SQL of " + collection.name());
        }
        WireValues.Column[] readers = new WireValues.Column[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            String column = columns.get(i);
            if (!meta.getColumnLabel(first + i).equals(column)) {
                throw new IllegalStateException("Expected the column " + column + " of " + collection.name()
                        + " at position " + (first + i) + ", found " + meta.getColumnLabel(first + i));
            }
            readers[i] = WireValues.column(meta, first + i);
        }
        return readers;
    }

    private static Handle handle(Tx tx) {
        return tx.handle(Handle.class);
    }
}
