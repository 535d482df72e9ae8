package dev.nizhal.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PropertiesDefaultProvider;

/**
 * Where an option not given on the command line takes its value from: the environment variable {@code NIZHAL_<KEY>}
 * (the option's description key upper-cased, dots as underscores), else the key in the {@code --config} properties
 * file (read by picocli's {@link PropertiesDefaultProvider}), else the option's own default. So flags beat the
 * environment, which beats the file, which beats the defaults.
 */
final class ConfigDefaults implements IDefaultValueProvider {
    static final String CONFIG_KEY = "config";
    private static final String ENV_PREFIX = "NIZHAL_";

    private final Map<String, String> environment;
    private final Map<Path, PropertiesDefaultProvider> files = new HashMap<>();

    ConfigDefaults(Map<String, String> environment) {
        // an empty variable (NIZHAL_JDBC_URL= in a compose file) is not set: it hides neither the file nor a default
        Map<String, String> set = new java.util.HashMap<>(environment);
        set.values().removeIf(String::isBlank);
        this.environment = Map.copyOf(set);
    }

    /** The environment variable of a setting: {@code jdbc.url} is {@code NIZHAL_JDBC_URL}. */
    static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec arg) throws Exception {
        if (!(arg instanceof OptionSpec option) || !isSetting(option)) {
            return null;
        }
        String fromEnvironment = environment.get(environmentVariable(option.descriptionKey()));
        if (fromEnvironment != null || option.descriptionKey().equals(CONFIG_KEY)) {
            return fromEnvironment;
        }
        Path file = configFile(option.command());
        return file == null ? null : fileDefaults(file, option.command()).defaultValue(arg);
    }

    /** Whether an option is a setting (it has a key), unlike {@code --help} and {@code --version}. */
    static boolean isSetting(OptionSpec option) {
        return !option.descriptionKey().isEmpty() && !option.descriptionKey().startsWith("mixinStandardHelpOptions");
    }

    /** The {@code --config} file: given on the command line, else by its environment variable. */
    private Path configFile(CommandSpec command) {
        OptionSpec config = command.findOption("--config");
        if (config == null) {
            return null;
        }
        // read from what was typed, not from the option's value: defaults are applied in declaration order
        List<String> given = config.originalStringValues();
        String value = given.isEmpty() ? environment.get(environmentVariable(CONFIG_KEY)) : given.getLast();
        return value == null ? null : Path.of(value);
    }

    private PropertiesDefaultProvider fileDefaults(Path file, CommandSpec command) {
        PropertiesDefaultProvider cached = files.get(file);
        if (cached != null) {
            return cached;
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(
                    command.commandLine(), "cannot read the config file " + file + " (" + describe(e) + ")");
        }
        PropertiesDefaultProvider provider = new PropertiesDefaultProvider(properties);
        files.put(file, provider);
        return provider;
    }

    private static String describe(Exception e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file" : String.valueOf(e.getMessage());
    }
}
