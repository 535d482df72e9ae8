package dev.nizhal.adapters.jdbi.testing;

import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.postgresql.Driver;

/** Which PostgreSQL server the tests of this JVM use; see {@link PostgresExtension} for the order. */
sealed interface ServerChoice {

    String URL_VARIABLE = "NIZHAL_TEST_JDBC_URL";
    String USER_VARIABLE = "NIZHAL_TEST_JDBC_USER";
    String PASSWORD_VARIABLE = "NIZHAL_TEST_JDBC_PASSWORD";

    /** A server someone else runs, given by {@value #URL_VARIABLE}; its URL names the database to connect to. */
    record External(String jdbcUrl, String user, String password) implements ServerChoice {}

    /** A PostgreSQL container started through Testcontainers. */
    record Container() implements ServerChoice {}

    /** A PostgreSQL server started from zonky's embedded binaries. */
    record Embedded() implements ServerChoice {}

    /**
     * The external server when {@value #URL_VARIABLE} is set (Docker is then not asked), else a container when
     * Docker is available, else the embedded server.
     */
    static ServerChoice choose(Map<String, String> environment, BooleanSupplier dockerAvailable) {
        String url = environment.get(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            return external(url.strip(), environment.get(USER_VARIABLE), environment.get(PASSWORD_VARIABLE));
        }
        return dockerAvailable.getAsBoolean() ? new Container() : new Embedded();
    }

    private static External external(String url, String user, String password) {
        Properties fromUrl = Driver.parseURL(url, null);
        if (fromUrl == null || !url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(URL_VARIABLE + " must be a PostgreSQL JDBC URL like"
                    + " jdbc:postgresql://host:5432/postgres, not " + url);
        }
        // the variables win over credentials in the URL; without either the driver's default (the OS user) applies
        String effectiveUser = user != null ? user : fromUrl.getProperty("user", System.getProperty("user.name"));
        String effectivePassword = password != null ? password : fromUrl.getProperty("password", "");
        return new External(url, effectiveUser, effectivePassword);
    }
}
