package dev.nizhal.domain.rules;

import dev.nizhal.domain.rules.Operand.ActorValue;
import dev.nizhal.domain.rules.Operand.ParamRef;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Facts about rules that the linter and the SQL compiler both need, computed in one place. */
public final class RuleAnalysis {
    private RuleAnalysis() {}

    /** The parameters a query binds with a top-level {@code eq(column, param)}: parameter name → column. */
    public static Map<String, String> paramBindings(TableQuery query) {
        Map<String, String> bindings = new LinkedHashMap<>();
        for (Condition c : Condition.conjuncts(query.where())) {
            if (c instanceof Condition.Eq(String column, ParamRef(String name))) {
                bindings.putIfAbsent(name, column);
            }
        }
        return bindings;
    }

    /** The top-level {@code eq(column, actor value)} conjuncts of a parameter query: column → actor value. */
    public static Map<String, ActorValue> actorBindings(TableQuery query) {
        Map<String, ActorValue> bindings = new LinkedHashMap<>();
        for (Condition c : Condition.conjuncts(query.where())) {
            if (c instanceof Condition.Eq(String column, ActorValue actor)) {
                bindings.putIfAbsent(column, actor);
            }
        }
        return bindings;
    }

    /** The conjuncts that are not bindings of a parameter or an actor value: constants only, in a valid rule. */
    public static List<Condition> filters(TableQuery query) {
        List<Condition> filters = new ArrayList<>();
        for (Condition c : Condition.conjuncts(query.where())) {
            boolean binding = c instanceof Condition.Eq eq
                    && (eq.value() instanceof ParamRef || eq.value() instanceof ActorValue);
            if (!binding) {
                filters.add(c);
            }
        }
        return filters;
    }

    /** The primary key: declared, else the live table's, else {@code id}. Empty when the live table has none. */
    public static List<String> key(TableQuery query, Optional<TableSchema> table) {
        if (query.key() != null) {
            return query.key();
        }
        if (table.isPresent()) {
            return table.get().primaryKey();
        }
        return List.of("id");
    }

    /**
     * The type of a parameter: the widest of the types of the data columns it is bound to and, for a parameter
     * query, of its selected column. Empty when a column is missing, of an unsupported type, or the families differ
     * (the linter reports each).
     */
    public static Optional<ParamType> paramType(
            SyncRule rule, ParameterSource param, SchemaDescription schema, String defaultSchema) {
        List<ColumnSchema> columns = new ArrayList<>();
        for (TableQuery query : rule.data()) {
            String column = paramBindings(query).get(param.name());
            if (column != null) {
                Optional<ColumnSchema> c = column(schema, query, column, defaultSchema);
                if (c.isEmpty()) {
                    return Optional.empty();
                }
                columns.add(c.get());
            }
        }
        if (param instanceof ParameterSource.FromQuery(String name, TableQuery query)) {
            if (query.select() == null) {
                return Optional.empty();
            }
            Optional<ColumnSchema> c = column(schema, query, query.select(), defaultSchema);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            columns.add(c.get());
        }
        ParamType type = null;
        for (ColumnSchema c : columns) {
            Optional<ParamType> t = ParamType.of(c.type());
            if (t.isEmpty() || (type != null && type.family() != t.get().family())) {
                return Optional.empty();
            }
            type = type == null ? t.get() : type.widen(t.get());
        }
        return Optional.ofNullable(type);
    }

    public static Optional<ColumnSchema> column(
            SchemaDescription schema, TableQuery query, String column, String defaultSchema) {
        return schema.table(query.name(defaultSchema)).flatMap(t -> t.column(column));
    }
}
