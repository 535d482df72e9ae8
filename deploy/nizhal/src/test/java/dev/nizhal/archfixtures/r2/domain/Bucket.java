package dev.nizhal.archfixtures.r2.domain;

/** Compliant: a domain value the ports may use. */
public record Bucket(String key) {}
