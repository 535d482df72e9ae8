package dev.nizhal.domain.rules;

import java.util.Objects;

/** The right-hand side of a condition. */
public sealed interface Operand {

    /**
     * A constant from the rule's source code. Compiled to a bind parameter holding its canonical text and cast to the
     * column's type in SQL. Allowed Java types: String, Boolean, Integer, Long, Short, BigInteger, BigDecimal, UUID,
     * Instant, OffsetDateTime, LocalDate, LocalDateTime.
     */
    record Constant(Object value) implements Operand {}

    /** A bucket parameter of the rule, by name. */
    record ParamRef(String name) implements Operand {
        public ParamRef {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A value of the verified actor: its id, or one of its claims. Only parameter queries may use it. */
    record ActorValue(String claim) implements Operand {
        /** The actor's id (not a claim). */
        public static final ActorValue ID = new ActorValue(null);

        public boolean isId() {
            return claim == null;
        }

        @Override
        public String toString() {
            return isId() ? "actor id" : "actor claim '" + claim + "'";
        }
    }
}
