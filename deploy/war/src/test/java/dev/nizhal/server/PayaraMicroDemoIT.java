package dev.nizhal.server;

import java.nio.file.Path;
import java.util.Map;

/** The demo WAR on Payara Micro 7.2025.1. */
class PayaraMicroDemoIT extends DemoWarSuite {
    @Override
    WarServer start(String name, Path war, Map<String, String> env) {
        return WarServer.payaraMicro(name, war, env);
    }

    @Override
    String runtime() {
        return "payara-micro";
    }

    @Override
    String missingVariable() {
        return "NIZHAL_CURSOR_KEY";
    }
}
