package dev.nizhal.server;

/** The demo WAR on Open Liberty 26.0.0.5; its bad configuration leaves out the token secret. */
class OpenLibertyDemoIT extends DemoWarSuite {
    OpenLibertyDemoIT() {
        super(WarRuntime.OPEN_LIBERTY, "NIZHAL_JWT_SECRET");
    }
}
