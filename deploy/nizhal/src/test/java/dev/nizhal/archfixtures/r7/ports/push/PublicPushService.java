package dev.nizhal.archfixtures.r7.ports.push;

/** Breaks R7: public, and a driving port implementation through its superclass. */
public final class PublicPushService extends AbstractPushService {}
