package dev.nizhal.adapters.websocket;

import java.util.function.Consumer;

/** One socket as the hub writes to it; {@link SessionWire} over a Jakarta WebSocket session. */
interface Wire {
    /**
     * Starts writing one text frame; {@code done} runs once it is written ({@code null}) or failed (the failure). The
     * hub never starts a second frame before the first is done.
     */
    void sendText(String text, Consumer<Throwable> done);

    /** Sends a WebSocket ping; the peer's container answers with a pong. */
    void sendPing();

    /** Closes the socket with {@code code} and {@code reason} (at most 123 bytes of UTF-8). */
    void close(int code, String reason);
}
