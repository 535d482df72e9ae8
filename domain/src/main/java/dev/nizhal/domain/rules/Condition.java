package dev.nizhal.domain.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A row-local condition of a data query or a parameter query. Only what a statement-level trigger can evaluate on
 * the changed rows alone: no joins, no subqueries, no raw SQL. The domain never evaluates a condition itself: it is
 * compiled to SQL (see {@code dev.nizhal.domain.sql}).
 */
public sealed interface Condition {

    /** {@code column = value}; the value may be a constant, a bucket parameter or an actor value. */
    record Eq(String column, Operand value) implements Condition {
        public Eq {
            Objects.requireNonNull(column, "column");
            Objects.requireNonNull(value, "value");
        }
    }

    /** {@code column in (values...)}. */
    record In(String column, List<Operand> values) implements Condition {
        public In {
            Objects.requireNonNull(column, "column");
            values = List.copyOf(values);
        }
    }

    /** {@code column is null}. */
    record IsNull(String column) implements Condition {
        public IsNull {
            Objects.requireNonNull(column, "column");
        }
    }

    /** {@code column is not null}. */
    record IsNotNull(String column) implements Condition {
        public IsNotNull {
            Objects.requireNonNull(column, "column");
        }
    }

    /** An ordering comparison against a constant, on numeric and time columns only. */
    record Compare(String column, Comparison op, Operand value) implements Condition {
        public Compare {
            Objects.requireNonNull(column, "column");
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(value, "value");
        }
    }

    /** All of the parts hold. */
    record And(List<Condition> parts) implements Condition {
        public And {
            parts = List.copyOf(parts);
        }
    }

    /** The ordering operators a rule may use. */
    enum Comparison {
        LT("<"),
        LE("<="),
        GT(">"),
        GE(">=");

        private final String sql;

        Comparison(String sql) {
            this.sql = sql;
        }

        public String sql() {
            return sql;
        }
    }

    /** The top-level conjuncts of a condition: nested {@code and}s flattened, {@code null} (no condition) empty. */
    static List<Condition> conjuncts(Condition condition) {
        List<Condition> out = new ArrayList<>();
        addConjuncts(condition, out);
        return List.copyOf(out);
    }

    private static void addConjuncts(Condition condition, List<Condition> out) {
        if (condition == null) {
            return;
        }
        if (condition instanceof And and) {
            and.parts().forEach(part -> addConjuncts(part, out));
        } else {
            out.add(condition);
        }
    }
}
