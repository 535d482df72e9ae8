package dev.nizhal.archfixtures.r1.domain.rules;

import dev.nizhal.archfixtures.r1.ports.out.RuleStore;
import java.util.List;

/** Breaks R1: the domain depends on the ports layer above it. */
public final class RulesFromPorts {
    private final RuleStore store;

    public RulesFromPorts(RuleStore store) {
        this.store = store;
    }

    public List<String> names() {
        return store.ruleNames();
    }
}
