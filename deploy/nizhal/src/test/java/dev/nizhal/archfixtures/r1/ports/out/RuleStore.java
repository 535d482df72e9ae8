package dev.nizhal.archfixtures.r1.ports.out;

import java.util.List;

/** A driven port the broken domain class reaches up to. */
public interface RuleStore {
    List<String> ruleNames();
}
