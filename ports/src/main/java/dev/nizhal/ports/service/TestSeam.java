package dev.nizhal.ports.service;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test seam: a type that changes what the engine does for a test (a known-broken pull, an observer inside a
 * pull's transaction, a hook before a push commits), or the package-private member that enables one. Seams are not
 * API (ARCHITECTURE.md): no public member of production code takes or returns a seam type, no production class
 * outside a seam type's package uses it, and no production code calls an enabling member; only test code does,
 * through the test-jars ({@code ServicesTestSeams} of nizhal-ports, {@code NizhalTestSeams} of nizhal). The
 * architecture rule R11 checks all three on this annotation.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface TestSeam {}
