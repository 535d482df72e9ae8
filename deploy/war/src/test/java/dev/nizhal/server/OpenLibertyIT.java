package dev.nizhal.server;

/** The black-box suites against the WAR on Open Liberty 26.0.0.5 (server.xml of deploy/war). */
class OpenLibertyIT extends WarSuites {
    OpenLibertyIT() {
        super(WarRuntime.OPEN_LIBERTY);
    }
}
