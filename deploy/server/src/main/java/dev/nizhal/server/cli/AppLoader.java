package dev.nizhal.server.cli;

import dev.nizhal.server.NizhalApp;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Finds the {@link NizhalApp}: the {@code --app} class, else the one {@link ServiceLoader} entry. */
final class AppLoader {
    private AppLoader() {}

    /**
     * @throws ParameterException (a usage error) when the class is missing, is no {@link NizhalApp} or cannot be made,
     *     or when not exactly one ServiceLoader entry is found
     * @throws IllegalStateException when the app's constructor fails
     */
    static NizhalApp load(String className, ClassLoader loader, CommandLine command) {
        return className != null ? byClass(className, loader, command) : byServiceLoader(loader, command);
    }

    private static NizhalApp byClass(String className, ClassLoader loader, CommandLine command) {
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ParameterException(command, "no class " + className + " on the class path (--app)");
        }
        if (!NizhalApp.class.isAssignableFrom(type)) {
            throw new ParameterException(command, className + " is not a " + NizhalApp.class.getName() + " (--app)");
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new ParameterException(command, className + " is abstract (--app)");
        }
        try {
            return (NizhalApp) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
            throw new ParameterException(
                    command, className + " needs to be public with a public no-argument constructor (--app)");
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(
                    "the constructor of " + className + " failed: " + Database.rootMessage(e.getCause()), e.getCause());
        }
    }

    private static NizhalApp byServiceLoader(ClassLoader loader, CommandLine command) {
        List<ServiceLoader.Provider<NizhalApp>> found;
        try {
            found = ServiceLoader.load(NizhalApp.class, loader).stream().toList();
        } catch (ServiceConfigurationError e) {
            throw new ParameterException(
                    command,
                    "a META-INF/services/" + NizhalApp.class.getName() + " entry is broken: " + e.getMessage());
        }
        if (found.size() != 1) {
            String names = found.stream().map(p -> p.type().getName()).toList().toString();
            throw new ParameterException(
                    command,
                    (found.isEmpty()
                                    ? "no NizhalApp found through META-INF/services/" + NizhalApp.class.getName()
                                    : "several NizhalApp found through ServiceLoader: " + names)
                            + "; name one with --app <class>");
        }
        try {
            return found.getFirst().get();
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException(
                    "cannot create " + found.getFirst().type().getName() + ": " + Database.rootMessage(e));
        }
    }
}
