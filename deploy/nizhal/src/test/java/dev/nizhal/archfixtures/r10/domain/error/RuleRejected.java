package dev.nizhal.archfixtures.r10.domain.error;

/** Compliant with R10. */
public class RuleRejected extends SyncException {
    public RuleRejected(String message) {
        super(message);
    }
}
