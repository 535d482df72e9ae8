package dev.nizhal.archfixtures.r6.adapters.websocket;

/** Compliant with R6: ends in "port" but not in "Port" (the suffix check is case-sensitive). */
public final class WebSocketTransport {
    public String name() {
        return "websocket";
    }
}
