package dev.nizhal.server.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The settings every command shares: the app, the database, the data folder, the config file. */
final class DatabaseOptions {
    static final String DEFAULT_DATA_DIR = ".nizhal";

    @Option(
            names = "--config",
            descriptionKey = ConfigDefaults.CONFIG_KEY,
            paramLabel = "<file>",
            description = "Properties file with settings (keys as in the README's table). Env NIZHAL_CONFIG.")
    Path config;

    @Option(
            names = "--app",
            descriptionKey = "app",
            paramLabel = "<class>",
            description = "The NizhalApp class to run; without it, the one ServiceLoader entry. Env NIZHAL_APP.")
    String app;

    @Option(
            names = "--jdbc-url",
            descriptionKey = "jdbc.url",
            paramLabel = "<url>",
            description = "PostgreSQL 13+ JDBC URL; without it, an embedded PostgreSQL in the data folder."
                    + " Env NIZHAL_JDBC_URL.")
    String jdbcUrl;

    @Option(
            names = "--jdbc-user",
            descriptionKey = "jdbc.user",
            paramLabel = "<user>",
            description = "Database user. Env NIZHAL_JDBC_USER.")
    String jdbcUser;

    @Option(
            names = "--jdbc-password",
            descriptionKey = "jdbc.password",
            paramLabel = "<password>",
            description = "Database password (prefer the env variable). Env NIZHAL_JDBC_PASSWORD.")
    String jdbcPassword;

    @Option(
            names = "--data-dir",
            descriptionKey = "data.dir",
            paramLabel = "<dir>",
            defaultValue = DEFAULT_DATA_DIR,
            description = "Folder of the embedded PostgreSQL and of generated secrets; default .nizhal in the working"
                    + " directory. Env NIZHAL_DATA_DIR.")
    Path dataDir;

    @Option(
            names = "--verbose",
            descriptionKey = "verbose",
            description = "Print stack traces of failures. Env NIZHAL_VERBOSE.")
    boolean verbose;

    Path dataDirectory() {
        return dataDir.toAbsolutePath().normalize();
    }
}
