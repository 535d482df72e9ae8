package dev.nizhal.domain.rules.lint;

import java.util.Objects;

/**
 * One finding of the linter.
 *
 * @param rule the rule's name
 * @param table the table concerned, or {@code null} when the finding is about the rule as a whole
 * @param message what is wrong, for the developer who wrote the rule
 * @param hint how to fix it
 */
public record LintFinding(LintCode code, String rule, String table, String message, String hint) {
    public LintFinding {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(hint, "hint");
    }

    public LintCode.Severity severity() {
        return code.severity();
    }
}
