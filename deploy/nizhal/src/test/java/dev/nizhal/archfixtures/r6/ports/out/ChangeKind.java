package dev.nizhal.archfixtures.r6.ports.out;

/** Compliant with R6: an enum value type. */
public enum ChangeKind {
    INSERT,
    UPDATE,
    DELETE
}
