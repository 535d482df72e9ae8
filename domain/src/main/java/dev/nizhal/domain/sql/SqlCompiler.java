package dev.nizhal.domain.sql;

import static dev.nizhal.domain.sql.SqlFragment.ident;

import dev.nizhal.domain.rules.Condition;
import dev.nizhal.domain.rules.Operand;
import dev.nizhal.domain.rules.Operand.ActorValue;
import dev.nizhal.domain.rules.ParamType;
import dev.nizhal.domain.rules.ParameterSource;
import dev.nizhal.domain.rules.RuleAnalysis;
import dev.nizhal.domain.rules.SyncRule;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.rules.TableQuery;
import dev.nizhal.domain.rules.lint.LintOptions;
import dev.nizhal.domain.rules.lint.LintReport;
import dev.nizhal.domain.rules.lint.RulesLinter;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.PgType;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import dev.nizhal.domain.sql.CompiledRules.CompiledCollection;
import dev.nizhal.domain.sql.CompiledRules.CompiledRule;
import dev.nizhal.domain.sql.CompiledRules.GrantCapture;
import dev.nizhal.domain.sql.CompiledRules.Param;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compiles sync rules to SQL: bucket-key expressions and full predicates for capture triggers, predicates for
 * reading changed rows and initial-load pages, and the grant queries. A pure function of the rules and the live
 * schema. Constants become bind parameters cast to the column's type; identifiers are quoted; rule names (checked to
 * be plain identifiers by the linter) appear as literals because they are part of every key.
 *
 * <p>The canonical encoding of a bucket key is {@code <rule>[<p1>,<p2>,...]} where each parameter is
 * {@code to_jsonb(cast(value as <type>))::text} for its {@link ParamType}. Values from rows, from parameter queries,
 * from claims and from client filters all go through that one SQL expression; text values from outside (claims,
 * filters, the actor id) are cast by {@link #safeCast}, which yields NULL (no bucket) instead of an error.
 */
public final class SqlCompiler {

    private static final String ALIAS = "t";

    private SqlCompiler() {}

    /**
     * @throws InvalidSyncRulesException when the linter finds errors against {@code schema}
     */
    public static CompiledRules compile(SyncRules rules, SchemaDescription schema) {
        LintReport report = RulesLinter.lint(rules, LintOptions.against(schema));
        if (report.hasErrors()) {
            throw new InvalidSyncRulesException(report);
        }
        List<CompiledRule> compiled = new ArrayList<>();
        List<GrantCapture> captures = new ArrayList<>();
        for (int i = 0; i < rules.rules().size(); i++) {
            RuleCompiler rc = new RuleCompiler(rules.rules().get(i), i, schema, rules.defaultSchema());
            compiled.add(rc.compile());
            captures.addAll(rc.grantCaptures());
        }
        return new CompiledRules(compiled, captures, planHash(compiled, captures));
    }

    /**
     * {@code text} (an SQL expression of a string type) cast to {@code type}, or NULL when PostgreSQL would refuse
     * the cast. The accepted forms are a subset of what PostgreSQL's input functions take, so the cast itself never
     * raises an error, also when the planner folds it for constant input.
     */
    static String safeCast(String text, ParamType type) {
        return switch (type) {
            case TEXT -> text; // every caller passes an expression of type text already
            case UUID ->
                "case when " + text + " ~ '^([{][0-9A-Fa-f]{8}-?([0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}[}]"
                        + "|[0-9A-Fa-f]{8}-?([0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12})$' then cast(" + text
                        + " as uuid) end";
            case INT -> integerCast(text, 10, "-2147483648", "2147483647", "int4");
            case BIGINT -> integerCast(text, 19, "-9223372036854775808", "9223372036854775807", "int8");
            case BOOLEAN ->
                "case when " + text + " ~* '^[[:space:]]*(t|tr|tru|true|f|fa|fal|fals|false|y|ye|yes|n|no|on|of|off"
                        + "|1|0)[[:space:]]*$' then cast(" + text + " as bool) end";
        };
    }

    private static String integerCast(String text, int digits, String min, String max, String sqlType) {
        // nested CASE: the inner cast is only reached (and only folded by the planner) when the outer test holds
        return "case when " + text + " ~ '^[[:space:]]*[+-]?[0-9]{1," + digits + "}[[:space:]]*$' then case when cast("
                + text + " as numeric) between " + min + " and " + max + " then cast(" + text + " as " + sqlType
                + ") end end";
    }

    /** The canonical encoding of one parameter value ({@code value} already of {@code type}, or NULL). */
    static String encode(String value, ParamType type) {
        return "to_jsonb(cast(" + value + " as " + type.sqlType() + "))::text";
    }

    static String keyExpression(String prefix, List<String> encodedValues) {
        if (encodedValues.isEmpty()) {
            return "'" + prefix + "[]'";
        }
        return "('" + prefix + "[' || " + String.join(" || ',' || ", encodedValues) + " || ']')";
    }

    static String typeSql(PgType type) {
        return ident(type.schema()) + "." + ident(type.name());
    }

    /**
     * The comparison {@code op} ({@code =}, {@code <}, ...) between two values of {@code type}: bare when PostgreSQL
     * finds the type's operators in {@code pg_catalog}, else {@code OPERATOR(schema.op)}, so that it is the type's
     * own whatever the search path. A bare {@code =} between two {@code citext} values in a capture function (search
     * path {@code pg_catalog}) would silently be {@code text}'s, through citext's implicit cast: case-sensitive, and
     * ordered otherwise than the key's index.
     */
    static String op(PgType type, String op) {
        return type.operatorSchema() == null ? op : "OPERATOR(" + ident(type.operatorSchema()) + "." + op + ")";
    }

    private static boolean ownOperators(TableSchema table, List<String> columns) {
        return columns.stream()
                .anyMatch(c -> table.column(c).orElseThrow().type().operatorSchema() != null);
    }

    private static String planHash(List<CompiledRule> rules, List<GrantCapture> captures) {
        StringBuilder canonical = new StringBuilder("nizhal-plan-v1\n");
        for (CompiledRule r : rules) {
            canonical
                    .append("rule ")
                    .append(r.name())
                    .append(' ')
                    .append(r.global())
                    .append('\n');
            r.params().forEach(p -> canonical.append(" param ").append(p).append('\n'));
            append(canonical, "grants", r.grants());
            append(canonical, "requested", r.requested());
            append(canonical, "actorGrantKeys", r.actorGrantKeys());
            for (CompiledCollection c : r.collections()) {
                canonical.append(" collection ").append(c.index()).append(' ').append(c.table());
                canonical
                        .append(' ')
                        .append(c.key())
                        .append(' ')
                        .append(c.columns())
                        .append('\n');
                append(canonical, "bucketKey", c.bucketKey());
                append(canonical, "rowMatches", c.rowMatches());
                append(canonical, "rowKey", c.rowKey());
                append(canonical, "changedRows", c.changedRows());
                append(canonical, "firstPage", c.firstPage());
                append(canonical, "nextPage", c.nextPage());
            }
        }
        for (GrantCapture g : captures) {
            canonical
                    .append("grantCapture ")
                    .append(g.rule())
                    .append(' ')
                    .append(g.table())
                    .append('\n');
            append(canonical, "grantKey", g.grantKey());
            append(canonical, "rowMatches", g.rowMatches());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void append(StringBuilder out, String what, SqlFragment fragment) {
        out.append("  ").append(what).append(": ").append(fragment.sql()).append('\n');
        fragment.constants()
                .forEach((k, v) -> out.append("   ")
                        .append(k)
                        .append('=')
                        .append(v.length())
                        .append(':')
                        .append(v)
                        .append('\n'));
    }

    /** Compiles one rule; collects the constants of each fragment as it goes. */
    private static final class RuleCompiler {
        private final SyncRule rule;
        private final int ruleIndex;
        private final SchemaDescription schema;
        private final String defaultSchema;
        private final Map<String, ParamType> paramTypes = new LinkedHashMap<>();
        private final List<GrantCapture> grantCaptures = new ArrayList<>();
        private int counter;

        RuleCompiler(SyncRule rule, int ruleIndex, SchemaDescription schema, String defaultSchema) {
            this.rule = rule;
            this.ruleIndex = ruleIndex;
            this.schema = schema;
            this.defaultSchema = defaultSchema;
            for (ParameterSource p : rule.parameters()) {
                paramTypes.put(
                        p.name(),
                        RuleAnalysis.paramType(rule, p, schema, defaultSchema)
                                .orElseThrow(() ->
                                        new IllegalStateException("linted rules have typed parameters: " + p.name())));
            }
        }

        List<GrantCapture> grantCaptures() {
            return grantCaptures;
        }

        CompiledRule compile() {
            List<CompiledCollection> collections = new ArrayList<>();
            for (int i = 0; i < rule.data().size(); i++) {
                collections.add(collection(i, rule.data().get(i)));
            }
            List<Param> params = paramTypes.entrySet().stream()
                    .map(e -> new Param(e.getKey(), e.getValue()))
                    .toList();
            boolean grantsReadTables = rule.parameters().stream().anyMatch(p -> p instanceof ParameterSource.FromQuery);
            return new CompiledRule(
                    rule.name(),
                    rule.global(),
                    params,
                    collections,
                    grants(),
                    requested(),
                    actorGrantKeys(),
                    grantsReadTables);
        }

        private CompiledCollection collection(int index, TableQuery query) {
            TableName name = query.name(defaultSchema);
            TableSchema table = schema.table(name).orElseThrow();
            List<String> key = RuleAnalysis.key(query, schema.table(name));
            List<String> columns = query.columns() != null
                    ? query.columns()
                    : table.columns().stream().map(ColumnSchema::name).toList();
            Map<String, String> constants = new LinkedHashMap<>();
            Map<String, String> bindings = RuleAnalysis.paramBindings(query);

            String bucketKey = keyExpression(
                    rule.name(),
                    rule.parameters().stream()
                            .map(p -> encode(col(bindings.get(p.name())), paramTypes.get(p.name())))
                            .toList());
            List<String> matches = new ArrayList<>();
            for (ParameterSource p : rule.parameters()) {
                matches.add(col(bindings.get(p.name())) + " is not null");
            }
            // compiled once, so that every fragment of the collection binds exactly the same constants
            List<String> filters = RuleAnalysis.filters(query).stream()
                    .map(c -> condition(c, ALIAS, table, constants))
                    .toList();
            matches.addAll(filters);
            String rowMatches = matches.isEmpty() ? "true" : String.join(" and ", matches);
            String rowKey = rowKey(key);
            String from = " from " + ident(name.schema()) + "." + ident(name.table()) + " as " + ALIAS;
            String select = columns.stream().map(SqlCompiler.RuleCompiler::col).collect(Collectors.joining(", "));

            String changedRows = "select " + rowKey + " as nizhal_key, " + bucketKey + " as nizhal_bucket, " + select
                    + from + " where " + keyLookup(key, table) + " and " + rowMatches + " and " + bucketKey
                    + " = any(cast(:buckets as text[]))";

            List<String> inBucket = new ArrayList<>();
            int prefix = rule.name().length() + 1;
            for (int i = 0; i < rule.parameters().size(); i++) {
                ParameterSource p = rule.parameters().get(i);
                ParamType type = paramTypes.get(p.name());
                inBucket.add(col(bindings.get(p.name())) + " = cast(cast(substr(:bucket, " + prefix + ") as jsonb) ->> "
                        + i + " as " + type.sqlType() + ")");
            }
            inBucket.addAll(filters);
            String pageWhere = inBucket.isEmpty() ? "true" : String.join(" and ", inBucket);
            String order = " order by " + key.stream().map(RuleCompiler::col).collect(Collectors.joining(", "))
                    + " limit :limit";
            String pageSelect = "select " + rowKey + " as nizhal_key, " + select + from + " where ";
            String firstPage = pageSelect + pageWhere + order;
            String nextPage = pageSelect + pageWhere + " and " + after(key, table) + order;

            return new CompiledCollection(
                    index,
                    name.toString(),
                    name,
                    key,
                    columns,
                    new SqlFragment(bucketKey, Map.of()),
                    new SqlFragment(rowMatches, constants),
                    SqlFragment.of(rowKey),
                    new SqlFragment(changedRows, constants),
                    new SqlFragment(firstPage, constants),
                    new SqlFragment(nextPage, constants));
        }

        private SqlFragment grants() {
            if (rule.global()) {
                return SqlFragment.of("select " + keyExpression(rule.name(), List.of()) + " as bucket");
            }
            Map<String, String> constants = new LinkedHashMap<>();
            List<String> from = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < rule.parameters().size(); i++) {
                ParameterSource p = rule.parameters().get(i);
                ParamType type = paramTypes.get(p.name());
                switch (p) {
                    case ParameterSource.FromActor a -> values.add(encode(safeCast(actorId(), type), type));
                    case ParameterSource.FromClaim c ->
                        values.add(encode(safeCast(claim(c.claim(), constants), type), type));
                    case ParameterSource.FromQuery q -> {
                        String alias = "p" + i;
                        from.add(parameterQuery(q.query(), type, constants) + " as " + alias);
                        values.add(encode(alias + ".v", type));
                    }
                }
            }
            String key = keyExpression(rule.name(), values);
            String source = from.isEmpty() ? "" : " from " + String.join(" cross join ", from);
            return new SqlFragment(
                    "select distinct g.bucket from (select " + key + " as bucket" + source
                            + ") as g where g.bucket is not null",
                    constants);
        }

        private String parameterQuery(TableQuery query, ParamType type, Map<String, String> constants) {
            TableName name = query.name(defaultSchema);
            TableSchema table = schema.table(name).orElseThrow();
            List<String> where = new ArrayList<>();
            RuleAnalysis.actorBindings(query)
                    .forEach((column, actor) -> where.add("q." + ident(column) + " = "
                            + safeCast(actorText(actor, constants), columnType(table, column))));
            for (Condition c : RuleAnalysis.filters(query)) {
                where.add(condition(c, "q", table, constants));
            }
            return "(select distinct cast(q." + ident(query.select()) + " as " + type.sqlType() + ") as v from "
                    + ident(name.schema()) + "." + ident(name.table()) + " as q where " + String.join(" and ", where)
                    + ")";
        }

        private SqlFragment requested() {
            Map<String, String> constants = new LinkedHashMap<>();
            List<String> values = new ArrayList<>();
            for (ParameterSource p : rule.parameters()) {
                ParamType type = paramTypes.get(p.name());
                String name = bind(constants, p.name());
                values.add(encode(safeCast("(f.o ->> " + name + ")", type), type));
            }
            return new SqlFragment(
                    "select distinct r.bucket from (select " + keyExpression(rule.name(), values)
                            + " as bucket from jsonb_array_elements(cast(:filters as jsonb)) as f(o)) as r"
                            + " where r.bucket is not null",
                    constants);
        }

        private SqlFragment actorGrantKeys() {
            Map<String, String> constants = new LinkedHashMap<>();
            List<String> selects = new ArrayList<>();
            for (ParameterSource p : rule.parameters()) {
                if (!(p instanceof ParameterSource.FromQuery q)) {
                    continue;
                }
                TableName name = q.query().name(defaultSchema);
                TableSchema table = schema.table(name).orElseThrow();
                List<String> actorValues = new ArrayList<>();
                List<String> rowValues = new ArrayList<>();
                List<String> matches = new ArrayList<>();
                RuleAnalysis.actorBindings(q.query()).forEach((column, actor) -> {
                    ParamType type = columnType(table, column);
                    actorValues.add(encode(safeCast(actorText(actor, constants), type), type));
                    rowValues.add(encode(col(column), type));
                    matches.add(col(column) + " is not null");
                });
                Map<String, String> captureConstants = new LinkedHashMap<>();
                for (Condition c : RuleAnalysis.filters(q.query())) {
                    matches.add(condition(c, ALIAS, table, captureConstants));
                }
                String prefix = "grant:" + rule.name();
                selects.add("select " + keyExpression(prefix, actorValues) + " as bucket");
                grantCaptures.add(new GrantCapture(
                        rule.name(),
                        name,
                        SqlFragment.of(keyExpression(prefix, rowValues)),
                        new SqlFragment(String.join(" and ", matches), captureConstants)));
            }
            if (selects.isEmpty()) {
                return SqlFragment.of("select cast(null as text) as bucket where false");
            }
            return new SqlFragment(
                    "select distinct g.bucket from (" + String.join(" union all ", selects)
                            + ") as g where g.bucket is not null",
                    constants);
        }

        private String actorText(ActorValue actor, Map<String, String> constants) {
            return actor.isId() ? actorId() : claim(actor.claim(), constants);
        }

        private static String actorId() {
            return "cast(:actor_id as text)";
        }

        private String claim(String claim, Map<String, String> constants) {
            return "(cast(:claims as jsonb) ->> " + bind(constants, claim) + ")";
        }

        private ParamType columnType(TableSchema table, String column) {
            return ParamType.of(table.column(column).orElseThrow().type())
                    .orElseThrow(() -> new IllegalStateException("linted rules compare actors with typed columns"));
        }

        private String condition(Condition c, String alias, TableSchema table, Map<String, String> constants) {
            return switch (c) {
                case Condition.Eq eq ->
                    column(alias, eq.column()) + " " + op(type(table, eq.column()), "=") + " "
                            + constant(eq.value(), table, eq.column(), constants);
                case Condition.In in -> {
                    String values = in.values().stream()
                            .map(v -> constant(v, table, in.column(), constants))
                            .collect(Collectors.joining(", "));
                    PgType type = type(table, in.column());
                    yield type.operatorSchema() == null
                            ? column(alias, in.column()) + " in (" + values + ")"
                            : column(alias, in.column()) + " " + op(type, "=") + " any(array[" + values + "])";
                }
                case Condition.IsNull n -> column(alias, n.column()) + " is null";
                case Condition.IsNotNull n -> column(alias, n.column()) + " is not null";
                case Condition.Compare cmp ->
                    column(alias, cmp.column()) + " "
                            + op(type(table, cmp.column()), cmp.op().sql()) + " "
                            + constant(cmp.value(), table, cmp.column(), constants);
                case Condition.And and ->
                    "("
                            + and.parts().stream()
                                    .map(p -> condition(p, alias, table, constants))
                                    .collect(Collectors.joining(" and "))
                            + ")";
            };
        }

        private String constant(Operand operand, TableSchema table, String column, Map<String, String> constants) {
            if (!(operand instanceof Operand.Constant(Object value))) {
                throw new IllegalStateException("linted filters compare with constants only");
            }
            PgType type = table.column(column).orElseThrow().type();
            return "cast(" + bind(constants, canonicalText(value)) + " as " + typeSql(type) + ")";
        }

        private String bind(Map<String, String> constants, String value) {
            String name = "r" + ruleIndex + "_c" + counter++;
            constants.put(name, value);
            return ":" + name;
        }

        private static String canonicalText(Object value) {
            return value instanceof BigDecimal d ? d.toPlainString() : String.valueOf(value);
        }

        private String rowKey(List<String> key) {
            if (key.size() == 1) {
                return "cast(" + col(key.getFirst()) + " as text)";
            }
            return "('[' || "
                    + key.stream().map(k -> "to_jsonb(" + col(k) + ")::text").collect(Collectors.joining(" || ',' || "))
                    + " || ']')";
        }

        private String keyLookup(List<String> key, TableSchema table) {
            if (key.size() == 1) {
                PgType type = type(table, key.getFirst());
                return col(key.getFirst()) + " " + op(type, "=") + " any(cast(:keys as " + typeSql(type) + "[]))";
            }
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                parts.add("cast(k.v ->> " + i + " as " + typeSql(type(table, key.get(i))) + ")");
            }
            String keys = " from unnest(cast(:keys as text[])) as u(x)"
                    + " cross join lateral (select cast(u.x as jsonb) as v) as k";
            if (!ownOperators(table, key)) {
                return "(" + key.stream().map(RuleCompiler::col).collect(Collectors.joining(", ")) + ") in (select "
                        + String.join(", ", parts) + keys + ")";
            }
            // a row comparison looks its operator up by name for every column: each column needs its own here
            List<String> equal = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                equal.add(col(key.get(i)) + " " + op(type(table, key.get(i)), "=") + " " + parts.get(i));
            }
            return "exists (select" + keys + " where " + String.join(" and ", equal) + ")";
        }

        private String after(List<String> key, TableSchema table) {
            if (key.size() == 1) {
                PgType type = type(table, key.getFirst());
                return col(key.getFirst()) + " " + op(type, ">") + " cast(:after as " + typeSql(type) + ")";
            }
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < key.size(); i++) {
                parts.add("cast(cast(:after as jsonb) ->> " + i + " as " + typeSql(type(table, key.get(i))) + ")");
            }
            if (!ownOperators(table, key)) {
                return "(" + key.stream().map(RuleCompiler::col).collect(Collectors.joining(", ")) + ") > ("
                        + String.join(", ", parts) + ")";
            }
            // (a, b) > (x, y) spelled out as a > x or (a = x and b > y), each column with its own operators, the
            // order of the key's index (ORDER BY uses each type's default btree operators)
            String after = col(key.getLast()) + " " + op(type(table, key.getLast()), ">") + " " + parts.getLast();
            for (int i = key.size() - 2; i >= 0; i--) {
                PgType type = type(table, key.get(i));
                after = "(" + col(key.get(i)) + " " + op(type, ">") + " " + parts.get(i) + " or (" + col(key.get(i))
                        + " " + op(type, "=") + " " + parts.get(i) + " and " + after + "))";
            }
            return after;
        }

        private static PgType type(TableSchema table, String column) {
            return table.column(column).orElseThrow().type();
        }

        private static String col(String column) {
            return column(ALIAS, column);
        }

        private static String column(String alias, String column) {
            return alias + "." + ident(column);
        }
    }
}
