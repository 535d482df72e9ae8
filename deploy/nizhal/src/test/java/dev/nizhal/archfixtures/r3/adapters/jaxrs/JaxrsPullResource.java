package dev.nizhal.archfixtures.r3.adapters.jaxrs;

import dev.nizhal.archfixtures.r3.adapters.jaxrs.internal.ResourcePaths;
import dev.nizhal.archfixtures.r3.adapters.jdbi.JdbiChangeLog;
import java.util.List;

/** Breaks R3: the JAX-RS adapter depends on the JDBI adapter instead of a port. */
public final class JaxrsPullResource {
    private final JdbiChangeLog changeLog;

    public JaxrsPullResource(JdbiChangeLog changeLog) {
        this.changeLog = changeLog;
    }

    public String path() {
        return ResourcePaths.pull();
    }

    public List<String> pull() {
        return changeLog.changes();
    }
}
