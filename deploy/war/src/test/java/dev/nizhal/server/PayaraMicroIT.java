package dev.nizhal.server;

import java.nio.file.Path;
import java.util.Map;

/** The black-box suites against the WAR on Payara Micro 7.2025.1 (post-boot commands of deploy/war). */
class PayaraMicroIT extends WarSuites {
    @Override
    WarServer start(Path war, Map<String, String> env) {
        return WarServer.payaraMicro("payara-suites", war, env);
    }

    @Override
    String runtime() {
        return "payara-micro";
    }
}
