package dev.nizhal.archfixtures.r3;

import dev.nizhal.archfixtures.r3.adapters.jaxrs.JaxrsPullResource;
import dev.nizhal.archfixtures.r3.adapters.jdbi.JdbiChangeLog;
import dev.nizhal.archfixtures.r3.adapters.json.JsonArgsCodec;

/** Compliant with R3: deploy (the root package) is where adapters meet. */
public final class Wiring {
    private Wiring() {}

    public static Object[] wire() {
        return new Object[] {new JaxrsPullResource(new JdbiChangeLog()), new JsonArgsCodec()};
    }
}
