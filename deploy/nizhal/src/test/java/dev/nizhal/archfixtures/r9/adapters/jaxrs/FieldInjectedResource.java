package dev.nizhal.archfixtures.r9.adapters.jaxrs;

import dev.nizhal.archfixtures.r9.ports.in.PullChanges;
import jakarta.inject.Inject;
import java.util.List;

/** Breaks R9: its dependency is injected into a field. */
public class FieldInjectedResource {
    @Inject
    private PullChanges pullChanges;

    public List<String> pull(String cursor) {
        return pullChanges.pull(cursor);
    }
}
