package dev.nizhal.ports.service;

import dev.nizhal.domain.rules.lint.LintOptions;
import dev.nizhal.domain.rules.lint.LintReport;
import dev.nizhal.domain.rules.lint.RulesLinter;
import dev.nizhal.ports.in.LintRules;
import java.util.Optional;

/** Lints against the live schema, read fresh on every call (lint runs at start-up and on demand, not per request). */
final class LintRulesService implements LintRules {
    private final NizhalServices.Config config;

    LintRulesService(NizhalServices.Config config) {
        this.config = config;
    }

    @Override
    public LintReport lint() {
        var schema = config.catalog().describe(config.tables());
        return RulesLinter.lint(config.rules(), new LintOptions(Optional.of(schema), config.issuerCount()));
    }
}
