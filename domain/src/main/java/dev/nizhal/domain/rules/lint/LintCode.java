package dev.nizhal.domain.rules.lint;

/** Every finding of the no-leak linter. Errors stop the server from starting; warnings are printed. */
public enum LintCode {
    // rule structure
    INVALID_NAME(Severity.ERROR),
    DUPLICATE_RULE(Severity.ERROR),
    NO_DATA_QUERIES(Severity.ERROR),
    IMPLICIT_GLOBAL(Severity.ERROR),
    GLOBAL_WITH_PARAMETERS(Severity.ERROR),
    DUPLICATE_PARAMETER(Severity.ERROR),
    DUPLICATE_TABLE_IN_RULE(Severity.ERROR),
    // how parameters reach data queries
    UNKNOWN_PARAMETER(Severity.ERROR),
    PARAMETER_NOT_BOUND(Severity.ERROR),
    PARAMETER_MISPLACED(Severity.ERROR),
    PARAMETER_UNUSED(Severity.ERROR),
    ACTOR_VALUE_IN_DATA_QUERY(Severity.ERROR),
    PARAMETER_QUERY_NOT_SCOPED(Severity.ERROR),
    PARAMETER_QUERY_WITHOUT_SELECT(Severity.ERROR),
    CLAIM_WITH_SEVERAL_ISSUERS(Severity.ERROR),
    // constants
    NULL_CONSTANT(Severity.ERROR),
    EMPTY_IN(Severity.ERROR),
    CONSTANT_TYPE_MISMATCH(Severity.ERROR),
    // against the live schema
    UNKNOWN_TABLE(Severity.ERROR),
    UNKNOWN_COLUMN(Severity.ERROR),
    NO_PRIMARY_KEY(Severity.ERROR),
    PRIMARY_KEY_MISMATCH(Severity.ERROR),
    KEY_INCONSISTENT(Severity.ERROR),
    COMPARISON_TYPE(Severity.ERROR),
    UNSUPPORTED_PARAMETER_TYPE(Severity.ERROR),
    PARAMETER_TYPE_MISMATCH(Severity.ERROR),
    // warnings
    NO_COLUMN_ALLOWLIST(Severity.WARNING),
    GLOBAL_PERSONAL_COLUMN(Severity.WARNING),
    MANY_BUCKETS_POSSIBLE(Severity.WARNING);

    /** How bad a finding is. */
    public enum Severity {
        ERROR,
        WARNING
    }

    private final Severity severity;

    LintCode(Severity severity) {
        this.severity = severity;
    }

    public Severity severity() {
        return severity;
    }
}
