package dev.nizhal.domain.mutator;

/** The isolation level a mutator's transaction is opened with (set at BEGIN). */
public enum Isolation {
    READ_COMMITTED,
    REPEATABLE_READ,
    SERIALIZABLE
}
