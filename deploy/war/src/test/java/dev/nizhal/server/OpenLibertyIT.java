package dev.nizhal.server;

import java.nio.file.Path;
import java.util.Map;

/** The black-box suites against the WAR on Open Liberty 26.0.0.5 (server.xml of deploy/war). */
class OpenLibertyIT extends WarSuites {
    @Override
    WarServer start(Path war, Map<String, String> env) {
        return WarServer.liberty("nizhal-suites", war, env);
    }

    @Override
    String runtime() {
        return "open-liberty";
    }
}
