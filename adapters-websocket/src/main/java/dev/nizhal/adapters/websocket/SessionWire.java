package dev.nizhal.adapters.websocket;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** A {@link Wire} over a Jakarta WebSocket session, with the non-blocking sends of its async remote. */
final class SessionWire implements Wire {
    private static final System.Logger LOG = System.getLogger(SessionWire.class.getName());

    private final Session session;

    SessionWire(Session session) {
        this.session = session;
    }

    @Override
    public void sendText(String text, Consumer<Throwable> done) {
        try {
            session.getAsyncRemote()
                    .sendText(text, result -> done.accept(result.isOK() ? null : result.getException()));
        } catch (RuntimeException e) {
            done.accept(e); // the session closed under us
        }
    }

    @Override
    public void sendPing() {
        try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            // a socket that cannot take a ping is found stalled at the next heartbeat
            LOG.log(System.Logger.Level.DEBUG, "a ping could not be sent", e);
        }
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a socket failed", e);
        }
    }
}
