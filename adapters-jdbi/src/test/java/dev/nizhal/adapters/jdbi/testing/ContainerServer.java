package dev.nizhal.adapters.jdbi.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** Starts PostgreSQL in Docker through Testcontainers (test scope {@code testcontainers-postgresql}). */
final class ContainerServer {

    /** System property naming another image, e.g. {@code postgres:13} to test the oldest supported version. */
    static final String IMAGE_PROPERTY = "nizhal.test.postgresImage";

    private static final String DEFAULT_IMAGE = "postgres:18";

    private ContainerServer() {}

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    /** Starts the container; a shutdown hook stops it (Ryuk would too, unless it is disabled). */
    static TestServer.Endpoint start() {
        String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
        PostgreSQLContainer container = new PostgreSQLContainer(
                        DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withCommand("postgres", "-c", "fsync=off", "-c", "max_prepared_transactions=20");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "nizhal-test-postgres-stop"));
        return new TestServer.Endpoint(
                "PostgreSQL in Docker (Testcontainers, " + image + ")",
                container.getJdbcUrl(),
                container.getUsername(),
                container.getPassword());
    }
}
