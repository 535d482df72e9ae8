package dev.nizhal.domain.rules.lint;

import java.util.List;

/** All findings of one lint run, in a stable order (rules, then queries, as written). */
public record LintReport(List<LintFinding> findings) {
    public LintReport {
        findings = List.copyOf(findings);
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.severity() == LintCode.Severity.ERROR);
    }

    public List<LintFinding> errors() {
        return findings.stream()
                .filter(f -> f.severity() == LintCode.Severity.ERROR)
                .toList();
    }

    public List<LintFinding> warnings() {
        return findings.stream()
                .filter(f -> f.severity() == LintCode.Severity.WARNING)
                .toList();
    }

    /** A plain-text report: one block per finding, as {@code nizhal lint} prints it. */
    public String render() {
        if (findings.isEmpty()) {
            return "no findings\n";
        }
        StringBuilder out = new StringBuilder();
        for (LintFinding f : findings) {
            out.append(f.severity())
                    .append(' ')
                    .append(f.code())
                    .append(" rule=")
                    .append(f.rule());
            if (f.table() != null) {
                out.append(" table=").append(f.table());
            }
            out.append('\n')
                    .append("  ")
                    .append(f.message())
                    .append('\n')
                    .append("  fix: ")
                    .append(f.hint())
                    .append('\n');
        }
        long errors = errors().size();
        out.append(errors)
                .append(errors == 1 ? " error, " : " errors, ")
                .append(findings.size() - errors)
                .append(findings.size() - errors == 1 ? " warning\n" : " warnings\n");
        return out.toString();
    }
}
