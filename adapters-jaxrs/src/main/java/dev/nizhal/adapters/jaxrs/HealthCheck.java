package dev.nizhal.adapters.jaxrs;

/**
 * What {@code GET /nizhal/health} reports: whether the database answers and whether it holds the schema and capture
 * triggers of the server's current rules. Called on every health request, so it should be cheap (one short query).
 */
@FunctionalInterface
public interface HealthCheck {

    /** The current state; a failure to find out is reported as the database being down. */
    Health check();

    /**
     * @param databaseUp the database answered
     * @param migrationsCurrent the installed schema and triggers are those of the current rules (false when the
     *     database is down, since it cannot be known)
     */
    record Health(boolean databaseUp, boolean migrationsCurrent) {
        /** Ready to serve pulls and pushes. */
        public boolean ready() {
            return databaseUp && migrationsCurrent;
        }
    }
}
