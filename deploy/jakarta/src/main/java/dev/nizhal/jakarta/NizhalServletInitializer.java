package dev.nizhal.jakarta;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.util.EnumSet;
import java.util.Set;

/**
 * Joins Nizhal to the web application, whatever its {@code web.xml} says: the {@link NizhalLifecycle} listener and the
 * {@link NizhalErrorFilter} on Nizhal's paths. Found by the server through {@code META-INF/services}.
 */
public class NizhalServletInitializer implements ServletContainerInitializer {
    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        context.addListener(NizhalLifecycle.class);
        FilterRegistration.Dynamic errors = context.addFilter("nizhal-errors", NizhalErrorFilter.class);
        errors.setAsyncSupported(true);
        errors.addMappingForUrlPatterns(
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR), false, "/sync/*", "/nizhal/*");
    }
}
