package dev.nizhal.server;

import java.nio.file.Path;
import java.util.Map;

/** The demo WAR on Open Liberty 26.0.0.5. */
class OpenLibertyDemoIT extends DemoWarSuite {
    @Override
    WarServer start(String name, Path war, Map<String, String> env) {
        return WarServer.liberty(name, war, env);
    }

    @Override
    String runtime() {
        return "open-liberty";
    }

    @Override
    String missingVariable() {
        return "NIZHAL_JWT_SECRET";
    }
}
