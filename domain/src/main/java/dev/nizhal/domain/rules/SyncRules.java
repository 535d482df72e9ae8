package dev.nizhal.domain.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The sync rules of an application, written with a small Java DSL:
 *
 * <pre>{@code
 * SyncRules rules = SyncRules.define(b -> b
 *     .rule("myNotes", r -> r
 *         .parameters(p -> p.fromActor("ownerId"))
 *         .data(bucket -> List.of(
 *             b.table("notes").columns("id", "body", "owner_id", "updated_at")
 *              .where(b.eq("owner_id", bucket.param("ownerId")))))));
 * }</pre>
 *
 * Defining rules checks nothing beyond nulls: the linter ({@code dev.nizhal.domain.rules.lint.RulesLinter}) reports
 * every mistake at once, with a code and a fix hint.
 */
public record SyncRules(String defaultSchema, List<SyncRule> rules) {

    public static final String DEFAULT_SCHEMA = "public";

    public SyncRules {
        Objects.requireNonNull(defaultSchema, "defaultSchema");
        rules = List.copyOf(rules);
    }

    public static SyncRules define(Consumer<Builder> definition) {
        Builder builder = new Builder();
        definition.accept(builder);
        return new SyncRules(builder.defaultSchema, builder.rules);
    }

    /** Every table the rules read, data queries and parameter queries alike. */
    public java.util.SortedSet<TableName> tables() {
        java.util.SortedSet<TableName> tables = new java.util.TreeSet<>();
        for (SyncRule rule : rules) {
            rule.data().forEach(q -> tables.add(q.name(defaultSchema)));
            for (ParameterSource p : rule.parameters()) {
                if (p instanceof ParameterSource.FromQuery fq) {
                    tables.add(fq.query().name(defaultSchema));
                }
            }
        }
        return tables;
    }

    public Optional<SyncRule> rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** The DSL's entry point: rules, tables and conditions. */
    public static final class Builder {
        private final List<SyncRule> rules = new ArrayList<>();
        private String defaultSchema = DEFAULT_SCHEMA;

        private Builder() {}

        /** The schema of tables that name none (default {@code public}). */
        public Builder defaultSchema(String schema) {
            this.defaultSchema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        public Builder rule(String name, Consumer<RuleBuilder> definition) {
            RuleBuilder rule = new RuleBuilder(Objects.requireNonNull(name, "name"));
            definition.accept(rule);
            rules.add(rule.build());
            return this;
        }

        public TableQuery table(String name) {
            return TableQuery.of(name);
        }

        /** {@code column = value}: a constant, {@code bucket.param(...)} or, in parameter queries, an actor value. */
        public Condition eq(String column, Object value) {
            return new Condition.Eq(column, operand(value));
        }

        public Condition in(String column, Object... values) {
            return new Condition.In(
                    column, Arrays.stream(values).map(Builder::operand).toList());
        }

        public Condition isNull(String column) {
            return new Condition.IsNull(column);
        }

        public Condition isNotNull(String column) {
            return new Condition.IsNotNull(column);
        }

        public Condition lt(String column, Object value) {
            return new Condition.Compare(column, Condition.Comparison.LT, operand(value));
        }

        public Condition le(String column, Object value) {
            return new Condition.Compare(column, Condition.Comparison.LE, operand(value));
        }

        public Condition gt(String column, Object value) {
            return new Condition.Compare(column, Condition.Comparison.GT, operand(value));
        }

        public Condition ge(String column, Object value) {
            return new Condition.Compare(column, Condition.Comparison.GE, operand(value));
        }

        public Condition and(Condition... parts) {
            return new Condition.And(Arrays.asList(parts));
        }

        private static Operand operand(Object value) {
            return value instanceof Operand operand ? operand : new Operand.Constant(value);
        }
    }

    /** One rule's parameters and data queries. */
    public static final class RuleBuilder {
        private final String name;
        private final List<ParameterSource> parameters = new ArrayList<>();
        private final List<TableQuery> data = new ArrayList<>();
        private boolean global;

        private RuleBuilder(String name) {
            this.name = name;
        }

        public RuleBuilder parameters(Consumer<ParametersBuilder> definition) {
            ParametersBuilder builder = new ParametersBuilder();
            definition.accept(builder);
            parameters.addAll(builder.sources);
            return this;
        }

        /** One bucket shared by every actor. Explicit, so that a forgotten parameter never shares a table. */
        public RuleBuilder global() {
            this.global = true;
            return this;
        }

        public RuleBuilder data(Function<Bucket, List<TableQuery>> queries) {
            data.addAll(queries.apply(new Bucket()));
            return this;
        }

        private SyncRule build() {
            return new SyncRule(name, global, parameters, data);
        }
    }

    /** The parameters of a rule, in bucket-key order. */
    public static final class ParametersBuilder {
        private final List<ParameterSource> sources = new ArrayList<>();

        private ParametersBuilder() {}

        /** The actor's id. */
        public ParametersBuilder fromActor(String name) {
            sources.add(new ParameterSource.FromActor(name));
            return this;
        }

        /** A verified claim of the actor; its value is cast in SQL to the type of the columns it is compared with. */
        public ParametersBuilder fromClaim(String name, String claim) {
            sources.add(new ParameterSource.FromClaim(name, claim));
            return this;
        }

        /** The values of {@code query}'s selected column; its condition must compare a column with an actor value. */
        public ParametersBuilder fromQuery(String name, TableQuery query) {
            sources.add(new ParameterSource.FromQuery(name, query));
            return this;
        }

        /** The actor's id, for the condition of a parameter query. */
        public Operand actorId() {
            return Operand.ActorValue.ID;
        }

        /** A verified claim of the actor, for the condition of a parameter query. */
        public Operand claim(String claim) {
            return new Operand.ActorValue(Objects.requireNonNull(claim, "claim"));
        }
    }

    /** A bucket of the rule, as its data queries see it. */
    public static final class Bucket {
        private Bucket() {}

        /** The value of one of the rule's parameters: only in a top-level {@code eq(column, param)}. */
        public Operand param(String name) {
            return new Operand.ParamRef(Objects.requireNonNull(name, "name"));
        }
    }
}
