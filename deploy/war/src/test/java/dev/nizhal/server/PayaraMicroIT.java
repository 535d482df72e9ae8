package dev.nizhal.server;

/** The black-box suites against the WAR on Payara Micro 7.2025.1 (post-boot commands of deploy/war). */
class PayaraMicroIT extends WarSuites {
    PayaraMicroIT() {
        super(WarRuntime.PAYARA_MICRO);
    }
}
