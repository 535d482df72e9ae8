package dev.nizhal.adapters.websocket;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.Objects;

/**
 * {@code GET /sync/stream}: the Jakarta WebSocket endpoint of the realtime stream, a thin shell around a {@link
 * StreamHub}. Register {@link #config(StreamHub)} with the container ({@code ServerContainer.addEndpoint}).
 */
public final class StreamEndpoint extends Endpoint {
    public static final String PATH = "/sync/stream";
    private static final String CONNECTION = "nizhal.stream.connection";

    private final StreamHub hub;

    public StreamEndpoint(StreamHub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    /** The endpoint's configuration at {@link #PATH}, with every socket served by {@code hub}. */
    public static ServerEndpointConfig config(StreamHub hub) {
        StreamEndpoint endpoint = new StreamEndpoint(hub);
        return ServerEndpointConfig.Builder.create(StreamEndpoint.class, PATH)
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(endpoint);
                    }
                })
                .build();
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        StreamSettings settings = hub.settings();
        session.setMaxTextMessageBufferSize(settings.maxHelloBytes());
        // a socket whose writes make no progress for three heartbeats is cut by the container, whatever else fails
        session.setMaxIdleTimeout(settings.heartbeat().multipliedBy(3).toMillis());
        StreamConnection connection = hub.open(new SessionWire(session));
        session.getUserProperties().put(CONNECTION, connection);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> hub.onText(connection, text));
        session.addMessageHandler(
                PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> hub.onPong(connection));
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        if (session.getUserProperties().get(CONNECTION) instanceof StreamConnection connection) {
            hub.onClose(connection);
        }
    }

    @Override
    public void onError(Session session, Throwable failure) {
        // the container closes the session after this and onClose unregisters it
        System.getLogger(StreamEndpoint.class.getName()).log(System.Logger.Level.DEBUG, "stream socket error", failure);
    }
}
