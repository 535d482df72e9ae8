package dev.nizhal.server;

import java.nio.file.Path;
import java.util.Map;

/** The application servers the WAR runs on, as the suites start them. */
enum WarRuntime {
    OPEN_LIBERTY("open-liberty") {
        @Override
        WarServer start(String name, Path war, Map<String, String> env) {
            return WarServer.liberty(name, war, env);
        }
    },
    PAYARA_MICRO("payara-micro") {
        @Override
        WarServer start(String name, Path war, Map<String, String> env) {
            return WarServer.payaraMicro(name, war, env);
        }
    };

    private final String id;

    WarRuntime(String id) {
        this.id = id;
    }

    /** The name figures are printed under and servers are named after. */
    String id() {
        return id;
    }

    /** Starts the server {@code name} with {@code war} at its root and {@code env} in its environment. */
    abstract WarServer start(String name, Path war, Map<String, String> env);
}
