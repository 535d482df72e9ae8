package dev.nizhal.domain.cursor;

/**
 * What a pull request expects of the cursor its client sent: the facts the request knows for certain, which a
 * cursor must match to be continued from.
 *
 * <p>{@code currentXmax} and {@code retentionMark} are optional ({@code null} skips the check) because not every
 * caller has them at hand; a pull does, and should pass both so that the check is complete.
 *
 * @param protocolVersion the protocol version of this request
 * @param databaseIdentity the identity stored in {@code nizhal.meta}
 * @param planHash the hash of the plan the server runs, lower-case hexadecimal
 * @param actorId the actor making the request
 * @param clientId the client named by the request
 * @param rule the sync rule named by the request
 * @param currentXmax the {@code xmax} of the database's current snapshot, or {@code null} to skip the "from the
 *     future" check
 * @param retentionMark the retention mark {@code M} stored in {@code nizhal.meta}, or {@code null} when retention
 *     has never deleted anything (or to skip the check)
 */
public record CursorExpectation(
        int protocolVersion,
        String databaseIdentity,
        String planHash,
        String actorId,
        String clientId,
        String rule,
        Long currentXmax,
        PgSnapshot retentionMark) {

    public CursorExpectation {
        Text.requireScope(protocolVersion, databaseIdentity, planHash, actorId, clientId, rule);
    }

    /** An expectation without the snapshot checks; add them with {@link #withCurrentXmax} and
     * {@link #withRetentionMark}. */
    public static CursorExpectation of(
            int protocolVersion,
            String databaseIdentity,
            String planHash,
            String actorId,
            String clientId,
            String rule) {
        return new CursorExpectation(protocolVersion, databaseIdentity, planHash, actorId, clientId, rule, null, null);
    }

    /** This expectation, also checking that a cursor is not from the future of a database whose xmax is given. */
    public CursorExpectation withCurrentXmax(long xmax) {
        return new CursorExpectation(
                protocolVersion, databaseIdentity, planHash, actorId, clientId, rule, xmax, retentionMark);
    }

    /** This expectation, also checking that a cursor is not older than the given retention mark. */
    public CursorExpectation withRetentionMark(PgSnapshot mark) {
        return new CursorExpectation(
                protocolVersion, databaseIdentity, planHash, actorId, clientId, rule, currentXmax, mark);
    }

    /**
     * Whether {@code cursor}, already known to be authentic, can be continued from in this request. The first
     * mismatch in this order decides: protocol version, database identity, plan hash, actor, client, rule, then
     * (when given) {@link Cursor#isFromTheFuture} before {@link Cursor#isPastRetention}, because a restored database
     * is the better explanation of a cursor that fails both.
     */
    public CursorCheck check(Cursor cursor) {
        ResetReason reason = null;
        if (cursor.protocolVersion() != protocolVersion) {
            reason = ResetReason.UNSUPPORTED_VERSION;
        } else if (!cursor.databaseIdentity().equals(databaseIdentity)) {
            reason = ResetReason.OTHER_DATABASE;
        } else if (!cursor.planHash().equals(planHash)) {
            reason = ResetReason.OTHER_PLAN;
        } else if (!cursor.actorId().equals(actorId)) {
            reason = ResetReason.OTHER_ACTOR;
        } else if (!cursor.clientId().equals(clientId)) {
            reason = ResetReason.OTHER_CLIENT;
        } else if (!cursor.rule().equals(rule)) {
            reason = ResetReason.OTHER_RULE;
        } else if (currentXmax != null && cursor.isFromTheFuture(currentXmax)) {
            reason = ResetReason.FROM_THE_FUTURE;
        } else if (retentionMark != null && cursor.isPastRetention(retentionMark)) {
            reason = ResetReason.PAST_RETENTION;
        }
        return reason == null ? new CursorCheck.Valid(cursor) : new CursorCheck.Reset(reason);
    }
}
