package dev.nizhal.ports.out;

/**
 * Where unexpected failures go with their correlation id (the server log): the client only sees the id and a
 * generic message, never the detail.
 */
@FunctionalInterface
public interface IncidentLog {
    void record(String correlationId, String what, Throwable failure);
}
