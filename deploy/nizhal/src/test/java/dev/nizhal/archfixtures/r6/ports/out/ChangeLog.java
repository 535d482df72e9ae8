package dev.nizhal.archfixtures.r6.ports.out;

/**
 * Compliant with R6: a driven port. Its enum switch makes javac generate a synthetic class {@code ChangeLog$1} in
 * this package, which R6 must not blame.
 */
public interface ChangeLog {
    ChangeWindow read(String cursor);

    default boolean removes(ChangeKind kind) {
        switch (kind) {
            case DELETE:
                return true;
            default:
                return false;
        }
    }
}
