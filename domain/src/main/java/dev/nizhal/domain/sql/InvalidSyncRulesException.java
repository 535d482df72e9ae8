package dev.nizhal.domain.sql;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.domain.rules.lint.LintReport;

/** Rules with linter errors are never compiled: the server does not start with rules that could leak. */
public final class InvalidSyncRulesException extends SyncException {
    private static final long serialVersionUID = 1L;

    private final transient LintReport report;

    public InvalidSyncRulesException(LintReport report) {
        super(SyncErrorCode.INTERNAL, "the sync rules have errors:\n" + report.render());
        this.report = report;
    }

    public LintReport report() {
        return report;
    }
}
