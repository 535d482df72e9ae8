package dev.nizhal.jakarta;

import dev.nizhal.adapters.websocket.StreamEndpoint;
import dev.nizhal.adapters.websocket.StreamHub;
import dev.nizhal.domain.error.SyncErrorCode;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code GET /sync/stream} in a WAR: the stream's {@link StreamEndpoint} once {@link NizhalRuntime} runs; before,
 * a socket is closed at once with 4503 {@code TRANSIENT} (the client reconnects later).
 */
public final class JakartaStreamEndpoint extends Endpoint {
    private static final String ENDPOINT = "nizhal.stream.endpoint";

    private final NizhalRuntime runtime;
    private volatile StreamEndpoint delegate;
    private volatile StreamHub delegateHub;

    JakartaStreamEndpoint(NizhalRuntime runtime) {
        this.runtime = runtime;
    }

    private Optional<StreamEndpoint> endpoint() {
        Optional<StreamHub> hub = runtime.stream();
        if (hub.isEmpty()) {
            return Optional.empty();
        }
        synchronized (this) {
            if (delegateHub != hub.get()) {
                delegate = new StreamEndpoint(hub.get());
                delegateHub = hub.get();
            }
            return Optional.of(delegate);
        }
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        Optional<StreamEndpoint> endpoint = endpoint();
        if (endpoint.isEmpty()) {
            try {
                session.close(new CloseReason(
                        CloseReason.CloseCodes.getCloseCode(4000 + SyncErrorCode.TRANSIENT.httpStatus()),
                        SyncErrorCode.TRANSIENT.name()));
            } catch (IOException e) {
                System.getLogger(JakartaStreamEndpoint.class.getName())
                        .log(System.Logger.Level.DEBUG, "closing a socket failed", e);
            }
            return;
        }
        session.getUserProperties().put(ENDPOINT, endpoint.get());
        endpoint.get().onOpen(session, config);
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        if (session.getUserProperties().get(ENDPOINT) instanceof StreamEndpoint endpoint) {
            endpoint.onClose(session, reason);
        }
    }

    @Override
    public void onError(Session session, Throwable failure) {
        if (session.getUserProperties().get(ENDPOINT) instanceof StreamEndpoint endpoint) {
            endpoint.onError(session, failure);
        }
    }
}
