package dev.nizhal.server;

/** The demo WAR on Payara Micro 7.2025.1; its bad configuration leaves out the cursor key. */
class PayaraMicroDemoIT extends DemoWarSuite {
    PayaraMicroDemoIT() {
        super(WarRuntime.PAYARA_MICRO, "NIZHAL_CURSOR_KEY");
    }
}
