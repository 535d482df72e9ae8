package dev.nizhal.archfixtures.r6.ports.out;

import java.util.List;

/** Compliant with R6: a record value type. */
public record ChangeWindow(List<String> keys) {}
