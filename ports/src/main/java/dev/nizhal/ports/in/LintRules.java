package dev.nizhal.ports.in;

import dev.nizhal.domain.rules.lint.LintReport;

/** Lints the application's sync rules against the live schema ({@code nizhal lint}, start-up, tests). */
@FunctionalInterface
public interface LintRules {
    LintReport lint();
}
