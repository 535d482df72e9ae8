package dev.nizhal.archfixtures.r9.adapters.jaxrs;

import dev.nizhal.archfixtures.r9.ports.in.PullChanges;
import jakarta.inject.Inject;
import java.util.List;

/** Compliant with R9: constructor injection. */
public class ConstructorInjectedResource {
    private final PullChanges pullChanges;

    @Inject
    public ConstructorInjectedResource(PullChanges pullChanges) {
        this.pullChanges = pullChanges;
    }

    public List<String> pull(String cursor) {
        return pullChanges.pull(cursor);
    }
}
