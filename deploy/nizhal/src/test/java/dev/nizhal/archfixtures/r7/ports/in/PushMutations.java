package dev.nizhal.archfixtures.r7.ports.in;

/** A driving port. */
public interface PushMutations {
    String push(String mutation);
}
