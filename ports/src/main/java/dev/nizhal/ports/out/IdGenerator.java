package dev.nizhal.ports.out;

/** New time-ordered ids (UUIDv7 text) for {@code ctx.newId()} and the database identity. */
@FunctionalInterface
public interface IdGenerator {
    String newId();
}
