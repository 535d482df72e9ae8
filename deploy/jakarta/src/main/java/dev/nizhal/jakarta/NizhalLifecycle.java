package dev.nizhal.jakarta;

import dev.nizhal.adapters.websocket.StreamEndpoint;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;

/**
 * Starts Nizhal when the web application starts and stops it when it stops; registers the realtime stream ({@code GET
 * /sync/stream}) with the server's WebSocket container. Added by {@link NizhalServletInitializer}.
 */
public class NizhalLifecycle implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(NizhalLifecycle.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        NizhalRuntime runtime = CDI.current().select(NizhalRuntime.class).get();
        runtime.start();
        if (event.getServletContext().getAttribute(ServerContainer.class.getName()) instanceof ServerContainer ws) {
            JakartaStreamEndpoint endpoint = new JakartaStreamEndpoint(runtime);
            try {
                ws.addEndpoint(ServerEndpointConfig.Builder.create(JakartaStreamEndpoint.class, StreamEndpoint.PATH)
                        .configurator(new ServerEndpointConfig.Configurator() {
                            @Override
                            public <T> T getEndpointInstance(Class<T> type) {
                                return type.cast(endpoint);
                            }
                        })
                        .build());
            } catch (DeploymentException e) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        "the realtime stream " + StreamEndpoint.PATH + " is not served: " + e.getMessage());
            }
        } else {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "the realtime stream " + StreamEndpoint.PATH
                            + " is not served: the server has no WebSocket container (enable websocket-2.2 on Liberty)");
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        CDI.current().select(NizhalRuntime.class).get().stop();
    }
}
