package dev.nizhal.archfixtures.r8.adapters.websocket;

import javax.sql.DataSource;

/** Breaks R8: the WebSocket adapter takes a JDBC DataSource. */
public final class PooledNotifier {
    private final DataSource dataSource;

    public PooledNotifier(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }
}
