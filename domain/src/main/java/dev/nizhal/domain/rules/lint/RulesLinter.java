package dev.nizhal.domain.rules.lint;

import dev.nizhal.domain.rules.Condition;
import dev.nizhal.domain.rules.Operand;
import dev.nizhal.domain.rules.Operand.ActorValue;
import dev.nizhal.domain.rules.Operand.Constant;
import dev.nizhal.domain.rules.Operand.ParamRef;
import dev.nizhal.domain.rules.ParamType;
import dev.nizhal.domain.rules.ParameterSource;
import dev.nizhal.domain.rules.ParameterSource.FromClaim;
import dev.nizhal.domain.rules.ParameterSource.FromQuery;
import dev.nizhal.domain.rules.RuleAnalysis;
import dev.nizhal.domain.rules.SyncRule;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.rules.TableQuery;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.PgType;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The no-leak linter: finds every way a rule could send a row to an actor who may not see it, or could not be
 * evaluated by a capture trigger, and reports each with a code and a fix hint. Pure: the live schema comes in as a
 * description.
 */
public final class RulesLinter {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");
    private static final Pattern PERSONAL = Pattern.compile("(?i).*(owner|user|email).*");

    private final List<LintFinding> findings = new ArrayList<>();
    private final Optional<SchemaDescription> schema;
    private final int issuerCount;
    private final String defaultSchema;

    private RulesLinter(LintOptions options, String defaultSchema) {
        this.schema = options.schema();
        this.issuerCount = options.issuerCount();
        this.defaultSchema = defaultSchema;
    }

    public static LintReport lint(SyncRules rules, LintOptions options) {
        RulesLinter linter = new RulesLinter(options, rules.defaultSchema());
        linter.lintAll(rules);
        return new LintReport(linter.findings);
    }

    private void lintAll(SyncRules rules) {
        Set<String> names = new HashSet<>();
        Map<TableName, List<String>> declaredKeys = new LinkedHashMap<>();
        for (SyncRule rule : rules.rules()) {
            if (!NAME.matcher(rule.name()).matches()) {
                report(
                        LintCode.INVALID_NAME,
                        rule,
                        null,
                        "rule name '" + rule.name() + "' is not a plain identifier; it is the prefix of bucket keys",
                        "use letters, digits and underscores, starting with a letter (at most 63 characters)");
            }
            if (!names.add(rule.name())) {
                report(
                        LintCode.DUPLICATE_RULE,
                        rule,
                        null,
                        "rule '" + rule.name() + "' is defined more than once",
                        "give each rule its own name");
            }
            lintRule(rule, declaredKeys);
        }
    }

    private void lintRule(SyncRule rule, Map<TableName, List<String>> declaredKeys) {
        if (rule.data().isEmpty()) {
            report(
                    LintCode.NO_DATA_QUERIES,
                    rule,
                    null,
                    "the rule has no data queries, so its buckets hold nothing",
                    "add .data(bucket -> List.of(b.table(...).where(...))) or remove the rule");
        }
        if (rule.global() && !rule.parameters().isEmpty()) {
            report(
                    LintCode.GLOBAL_WITH_PARAMETERS,
                    rule,
                    null,
                    "a global() rule has one bucket for everyone, yet it declares parameters",
                    "remove global() to have one bucket per parameter value, or remove the parameters");
        }
        if (!rule.global() && rule.parameters().isEmpty()) {
            report(
                    LintCode.IMPLICIT_GLOBAL,
                    rule,
                    null,
                    "the rule has no parameters, so every actor would get all of its rows",
                    "add .parameters(p -> p.fromActor(...)) to scope it, or call .global() if every actor may"
                            + " see these rows");
        }
        Set<String> params = new HashSet<>();
        for (ParameterSource param : rule.parameters()) {
            if (!NAME.matcher(param.name()).matches()) {
                report(
                        LintCode.INVALID_NAME,
                        rule,
                        null,
                        "parameter name '" + param.name() + "' is not a plain identifier",
                        "use letters, digits and underscores, starting with a letter");
            }
            if (!params.add(param.name())) {
                report(
                        LintCode.DUPLICATE_PARAMETER,
                        rule,
                        null,
                        "parameter '" + param.name() + "' is declared more than once",
                        "give each parameter its own name");
            }
            lintParameter(rule, param);
        }
        Set<TableName> tables = new HashSet<>();
        for (TableQuery query : rule.data()) {
            if (!tables.add(query.name(defaultSchema))) {
                report(
                        LintCode.DUPLICATE_TABLE_IN_RULE,
                        rule,
                        query,
                        "the rule reads table " + query.name(defaultSchema) + " in more than one data query, so a"
                                + " row could belong to several buckets of one rule",
                        "merge the queries into one, or move one of them to a rule of its own");
            }
            lintDataQuery(rule, query, params);
            lintKey(rule, query, declaredKeys);
        }
        for (ParameterSource param : rule.parameters()) {
            boolean used = rule.data().stream()
                    .anyMatch(q -> RuleAnalysis.paramBindings(q).containsKey(param.name()));
            if (!used) {
                report(
                        LintCode.PARAMETER_UNUSED,
                        rule,
                        null,
                        "parameter '" + param.name() + "' is not used by any data query",
                        "bind it in every data query with b.eq(column, bucket.param(\"" + param.name()
                                + "\")), or remove it");
            }
        }
        lintTypes(rule);
        lintWarnings(rule);
    }

    private void lintParameter(SyncRule rule, ParameterSource param) {
        if (param instanceof FromClaim claim && issuerCount > 1) {
            reportClaimWithIssuers(rule, null, claim.claim());
        }
        if (!(param instanceof FromQuery(String name, TableQuery query))) {
            return;
        }
        if (query.select() == null) {
            report(
                    LintCode.PARAMETER_QUERY_WITHOUT_SELECT,
                    rule,
                    query,
                    "the parameter query of '" + name + "' selects no column",
                    "add .select(column) naming the column whose values become bucket parameters");
        }
        Map<String, ActorValue> actor = RuleAnalysis.actorBindings(query);
        if (actor.isEmpty()) {
            report(
                    LintCode.PARAMETER_QUERY_NOT_SCOPED,
                    rule,
                    query,
                    "the parameter query of '" + name + "' is not scoped to the actor, so it would grant buckets"
                            + " of other actors",
                    "add b.eq(column, p.actorId()) (or p.claim(...)) as a top-level condition of the query");
        }
        for (ActorValue value : actor.values()) {
            if (!value.isId() && issuerCount > 1) {
                reportClaimWithIssuers(rule, query, value.claim());
            }
        }
        for (Condition c : Condition.conjuncts(query.where())) {
            if (containsParam(c)) {
                report(
                        LintCode.PARAMETER_MISPLACED,
                        rule,
                        query,
                        "a parameter query compares " + column(c) + " with a bucket parameter; parameter values"
                                + " come only from the actor",
                        "compare with p.actorId() or p.claim(...) instead");
            }
            if (containsActor(c) && !(c instanceof Condition.Eq)) {
                report(
                        LintCode.PARAMETER_MISPLACED,
                        rule,
                        query,
                        "an actor value is used outside a top-level eq on " + column(c),
                        "compare actor values only with b.eq(column, p.actorId())");
            }
        }
        lintConstants(rule, query);
        lintColumns(rule, query, query.select() == null ? List.of() : List.of(query.select()));
    }

    private void reportClaimWithIssuers(SyncRule rule, TableQuery query, String claim) {
        report(
                LintCode.CLAIM_WITH_SEVERAL_ISSUERS,
                rule,
                query,
                "claim '" + claim + "' is used while " + issuerCount + " token issuers are configured; claims of"
                        + " different issuers are not comparable",
                "use the actor id (p.fromActor / p.actorId()), or configure a single issuer");
    }

    private void lintDataQuery(SyncRule rule, TableQuery query, Set<String> declared) {
        Map<String, Integer> bound = new HashMap<>();
        for (Condition c : Condition.conjuncts(query.where())) {
            if (c instanceof Condition.Eq(String column, ParamRef(String name))) {
                bound.merge(name, 1, Integer::sum);
                if (!declared.contains(name)) {
                    report(
                            LintCode.UNKNOWN_PARAMETER,
                            rule,
                            query,
                            "bucket.param(\"" + name + "\") is not a parameter of the rule",
                            "declare it in .parameters(...) or fix the name");
                }
            } else if (containsParam(c)) {
                report(
                        LintCode.PARAMETER_MISPLACED,
                        rule,
                        query,
                        "a bucket parameter is used on " + column(c) + " outside a top-level eq(column, param);"
                                + " a capture trigger could not tell which bucket a changed row belongs to",
                        "bind each parameter with exactly one top-level b.eq(column, bucket.param(...))");
            }
            if (containsActor(c)) {
                report(
                        LintCode.ACTOR_VALUE_IN_DATA_QUERY,
                        rule,
                        query,
                        "a data query compares " + column(c) + " with an actor value; a capture trigger sees rows,"
                                + " not actors",
                        "declare a parameter (p.fromActor(...)) and bind it with b.eq(column, bucket.param(...))");
            }
        }
        bound.forEach((name, count) -> {
            if (count > 1) {
                report(
                        LintCode.PARAMETER_MISPLACED,
                        rule,
                        query,
                        "parameter '" + name + "' is bound to more than one column of the query",
                        "bind each parameter to exactly one column per data query");
            }
        });
        if (!rule.global()) {
            for (ParameterSource param : rule.parameters()) {
                boolean usedElsewhere = rule.data().stream()
                        .anyMatch(q -> RuleAnalysis.paramBindings(q).containsKey(param.name()));
                if (usedElsewhere && !bound.containsKey(param.name())) {
                    report(
                            LintCode.PARAMETER_NOT_BOUND,
                            rule,
                            query,
                            "the query does not bind parameter '" + param.name() + "', so every bucket of the rule"
                                    + " would hold all of its rows",
                            "add b.eq(column, bucket.param(\"" + param.name() + "\")) as a top-level condition");
                }
            }
        }
        if (query.select() != null) {
            report(
                    LintCode.PARAMETER_MISPLACED,
                    rule,
                    query,
                    "a data query has .select(\"" + query.select() + "\"), which only parameter queries use",
                    "remove .select(...) or use .columns(...) for the synced columns");
        }
        lintConstants(rule, query);
        List<String> referenced = new ArrayList<>();
        if (query.columns() != null) {
            referenced.addAll(query.columns());
        }
        lintColumns(rule, query, referenced);
    }

    private void lintConstants(SyncRule rule, TableQuery query) {
        for (Condition c : Condition.conjuncts(query.where())) {
            List<Operand> operands = operands(c);
            if (c instanceof Condition.In in && in.values().isEmpty()) {
                report(
                        LintCode.EMPTY_IN,
                        rule,
                        query,
                        "b.in(\"" + in.column() + "\") lists no values, so it matches no row",
                        "list at least one value, or remove the condition");
            }
            for (Operand operand : operands) {
                if (operand instanceof Constant(Object value)) {
                    if (value == null) {
                        report(
                                LintCode.NULL_CONSTANT,
                                rule,
                                query,
                                "column " + column(c) + " is compared with null, which matches no row in SQL",
                                "use b.isNull(\"" + column(c) + "\")");
                    } else if (!isSupportedConstant(value)) {
                        report(
                                LintCode.CONSTANT_TYPE_MISMATCH,
                                rule,
                                query,
                                "column " + column(c) + " is compared with a "
                                        + value.getClass().getSimpleName() + ", which rules cannot hold",
                                "use a String, Boolean, Integer, Long, BigDecimal, UUID, Instant, OffsetDateTime,"
                                        + " LocalDate or LocalDateTime");
                    }
                }
            }
        }
    }

    private static boolean isSupportedConstant(Object value) {
        return value instanceof String
                || value instanceof Boolean
                || value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof BigInteger
                || value instanceof BigDecimal
                || value instanceof java.util.UUID
                || value instanceof Instant
                || value instanceof OffsetDateTime
                || value instanceof LocalDate
                || value instanceof LocalDateTime;
    }

    /** Checks the table, the referenced columns, condition columns and constant types against the live schema. */
    private void lintColumns(SyncRule rule, TableQuery query, List<String> extraColumns) {
        if (schema.isEmpty()) {
            return;
        }
        Optional<TableSchema> table = schema.get().table(query.name(defaultSchema));
        if (table.isEmpty()) {
            report(
                    LintCode.UNKNOWN_TABLE,
                    rule,
                    query,
                    "table " + query.name(defaultSchema) + " does not exist",
                    "create the table (in a migration that runs before Nizhal's), or fix the name or schema");
            return;
        }
        List<String> columns = new ArrayList<>(extraColumns);
        if (query.key() != null) {
            columns.addAll(query.key());
        }
        for (Condition c : Condition.conjuncts(query.where())) {
            columns.add(column(c));
        }
        Set<String> reported = new HashSet<>();
        for (String column : columns) {
            if (table.get().column(column).isEmpty() && reported.add(column)) {
                report(
                        LintCode.UNKNOWN_COLUMN,
                        rule,
                        query,
                        "column " + column + " does not exist in " + query.name(defaultSchema),
                        "fix the column name, or add the column");
            }
        }
        for (Condition c : Condition.conjuncts(query.where())) {
            Optional<ColumnSchema> column = table.get().column(column(c));
            if (column.isEmpty()) {
                continue;
            }
            PgType type = column.get().type();
            if (c instanceof Condition.Compare && !type.isNumeric() && !type.isDateTime()) {
                report(
                        LintCode.COMPARISON_TYPE,
                        rule,
                        query,
                        "column " + column(c) + " is of type " + type + "; ordering comparisons are allowed on"
                                + " numeric and time columns only",
                        "compare with b.eq or b.in, or compare a numeric or time column");
            }
            List<Operand> operands = operands(c);
            for (Operand operand : operands) {
                if (operand instanceof Constant(Object value)
                        && value != null
                        && isSupportedConstant(value)
                        && !constantFits(value, type)) {
                    report(
                            LintCode.CONSTANT_TYPE_MISMATCH,
                            rule,
                            query,
                            "column " + column(c) + " is of type " + type + " but is compared with a value of type "
                                    + value.getClass().getSimpleName(),
                            "compare with a value of the column's type");
                }
            }
        }
    }

    private static boolean constantFits(Object value, PgType type) {
        return switch (value) {
            case Boolean b -> type.isBuiltIn("bool");
            case Number n -> type.isNumeric();
            case java.util.UUID u -> type.isBuiltIn("uuid");
            case Instant i -> type.isDateTime();
            case OffsetDateTime o -> type.isDateTime();
            case LocalDate d -> type.isDateTime();
            case LocalDateTime d -> type.isDateTime();
            // text goes through the column type's own input function: refuse only the obvious misfits
            default -> !type.isBuiltIn("bool") && !type.isNumeric();
        };
    }

    private void lintKey(SyncRule rule, TableQuery query, Map<TableName, List<String>> declaredKeys) {
        TableName name = query.name(defaultSchema);
        if (query.key() != null) {
            List<String> earlier = declaredKeys.putIfAbsent(name, query.key());
            if (earlier != null && !earlier.equals(query.key())) {
                report(
                        LintCode.KEY_INCONSISTENT,
                        rule,
                        query,
                        "table " + name + " is given key " + query.key() + " here and " + earlier + " elsewhere",
                        "declare the same key for the table everywhere");
            }
            if (query.key().isEmpty()) {
                report(
                        LintCode.NO_PRIMARY_KEY,
                        rule,
                        query,
                        "the declared key of " + name + " has no columns",
                        "name the primary-key columns in .key(...)");
            }
        }
        if (schema.isEmpty()) {
            return;
        }
        Optional<TableSchema> table = schema.get().table(name);
        if (table.isEmpty()) {
            return;
        }
        List<String> primaryKey = table.get().primaryKey();
        if (primaryKey.isEmpty()) {
            report(
                    LintCode.NO_PRIMARY_KEY,
                    rule,
                    query,
                    "table " + name + " has no primary key; a client needs one to know which row changed",
                    "add a primary key to the table");
        } else if (query.key() != null && !query.key().isEmpty() && !query.key().equals(primaryKey)) {
            report(
                    LintCode.PRIMARY_KEY_MISMATCH,
                    rule,
                    query,
                    "the declared key " + query.key() + " is not the primary key " + primaryKey + " of " + name,
                    "declare the table's primary key, or leave .key(...) out");
        }
    }

    private void lintTypes(SyncRule rule) {
        if (schema.isEmpty()) {
            return;
        }
        for (ParameterSource param : rule.parameters()) {
            List<String> described = new ArrayList<>();
            List<TableQuery> queries = new ArrayList<>();
            List<String> columns = new ArrayList<>();
            for (TableQuery query : rule.data()) {
                String column = RuleAnalysis.paramBindings(query).get(param.name());
                if (column != null) {
                    queries.add(query);
                    columns.add(column);
                }
            }
            if (param instanceof FromQuery(String name, TableQuery query) && query.select() != null) {
                queries.add(query);
                columns.add(query.select());
            }
            ParamType.Family family = null;
            boolean mismatch = false;
            for (int i = 0; i < queries.size(); i++) {
                Optional<ColumnSchema> column =
                        RuleAnalysis.column(schema.get(), queries.get(i), columns.get(i), defaultSchema);
                if (column.isEmpty()) {
                    continue; // reported as an unknown table or column
                }
                String where = queries.get(i).name(defaultSchema) + "." + columns.get(i);
                described.add(where + " (" + column.get().type() + ")");
                Optional<ParamType> type = ParamType.of(column.get().type());
                if (type.isEmpty()) {
                    report(
                            LintCode.UNSUPPORTED_PARAMETER_TYPE,
                            rule,
                            queries.get(i),
                            "parameter '" + param.name() + "' is compared with " + where + " of type "
                                    + column.get().type() + "; parameters are text, uuid, int, bigint or boolean",
                            "bind the parameter to a column of one of those types");
                } else if (family == null) {
                    family = type.get().family();
                } else if (family != type.get().family()) {
                    mismatch = true;
                }
            }
            if (mismatch) {
                report(
                        LintCode.PARAMETER_TYPE_MISMATCH,
                        rule,
                        null,
                        "parameter '" + param.name() + "' is compared with columns of incompatible types: "
                                + String.join(", ", described),
                        "bind the parameter only to columns of one type family (text, uuid, integer, boolean)");
            }
        }
        // actor values in parameter queries are text and cast by SQL: the column must hold a parameter type
        for (ParameterSource param : rule.parameters()) {
            if (!(param instanceof FromQuery(String name, TableQuery query))) {
                continue;
            }
            for (String column : RuleAnalysis.actorBindings(query).keySet()) {
                RuleAnalysis.column(schema.get(), query, column, defaultSchema)
                        .filter(c -> ParamType.of(c.type()).isEmpty())
                        .ifPresent(c -> report(
                                LintCode.UNSUPPORTED_PARAMETER_TYPE,
                                rule,
                                query,
                                "the actor value is compared with " + query.name(defaultSchema) + "." + column
                                        + " of type " + c.type() + "; actor values are cast to text, uuid, int,"
                                        + " bigint or boolean",
                                "scope the parameter query by a column of one of those types"));
            }
        }
    }

    private void lintWarnings(SyncRule rule) {
        for (TableQuery query : rule.data()) {
            if (query.columns() == null) {
                report(
                        LintCode.NO_COLUMN_ALLOWLIST,
                        rule,
                        query,
                        "every column of " + query.name(defaultSchema) + " is synced, including columns added"
                                + " later",
                        "list the synced columns with .columns(...)");
            }
            if (rule.global()) {
                List<String> synced = query.columns() != null
                        ? query.columns()
                        : schema.flatMap(s -> s.table(query.name(defaultSchema)))
                                .map(t -> t.columns().stream()
                                        .map(ColumnSchema::name)
                                        .toList())
                                .orElse(List.of());
                List<String> personal = synced.stream()
                        .filter(c -> PERSONAL.matcher(c).matches())
                        .toList();
                if (!personal.isEmpty()) {
                    report(
                            LintCode.GLOBAL_PERSONAL_COLUMN,
                            rule,
                            query,
                            "the global rule syncs " + String.join(", ", personal) + " of " + query.name(defaultSchema)
                                    + " to every actor",
                            "scope the rule by a parameter, or leave personal columns out of .columns(...)");
                }
            }
        }
        long queries =
                rule.parameters().stream().filter(p -> p instanceof FromQuery).count();
        if (queries > 1) {
            report(
                    LintCode.MANY_BUCKETS_POSSIBLE,
                    rule,
                    null,
                    "the rule combines " + queries + " parameter queries, so an actor's bucket count is the product"
                            + " of their row counts",
                    "split the rule, or scope one of the queries to a single row");
        }
    }

    private static boolean containsParam(Condition c) {
        return operands(c).stream().anyMatch(o -> o instanceof ParamRef);
    }

    private static boolean containsActor(Condition c) {
        return operands(c).stream().anyMatch(o -> o instanceof ActorValue);
    }

    private static List<Operand> operands(Condition c) {
        return switch (c) {
            case Condition.Eq eq -> List.of(eq.value());
            case Condition.Compare cmp -> List.of(cmp.value());
            case Condition.In in -> in.values();
            case Condition.IsNull n -> List.of();
            case Condition.IsNotNull n -> List.of();
            case Condition.And and ->
                and.parts().stream().flatMap(p -> operands(p).stream()).toList();
        };
    }

    private static String column(Condition c) {
        return switch (c) {
            case Condition.Eq eq -> eq.column();
            case Condition.Compare cmp -> cmp.column();
            case Condition.In in -> in.column();
            case Condition.IsNull n -> n.column();
            case Condition.IsNotNull n -> n.column();
            case Condition.And and -> "(and)";
        };
    }

    private void report(LintCode code, SyncRule rule, TableQuery query, String message, String hint) {
        findings.add(new LintFinding(
                code,
                rule.name(),
                query == null ? null : query.name(defaultSchema).toString(),
                message,
                Objects.requireNonNull(hint)));
    }
}
