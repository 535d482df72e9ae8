package dev.nizhal.domain.cursor;

/**
 * Why a cursor cannot be continued from. The client sees only {@code reset: true}; the reason is for server logs,
 * metrics and tests, which must be able to tell a tampered token from a restored database.
 */
public enum ResetReason {
    /**
     * Not a token this server could have written: not canonical base64url, too short or too long, or (once it
     * opened) a payload that is truncated, has trailing bytes, a bad varint or impossible values.
     */
    MALFORMED,
    /**
     * The token does not open under this server's key: it was altered or truncated, sealed with another key (rotated,
     * another deployment), or written in the signed-only format of earlier versions. The name is from that format.
     */
    BAD_SIGNATURE,
    /** Authentic, but written in a cursor format or under a protocol version this request does not accept. */
    UNSUPPORTED_VERSION,
    /** Issued by a database with another identity (another database, or one restored or failed over since). */
    OTHER_DATABASE,
    /** Issued under another compiled plan: the rules changed, and the triggers with them. */
    OTHER_PLAN,
    /** Issued to another actor. */
    OTHER_ACTOR,
    /** Issued to another client. */
    OTHER_CLIENT,
    /** Issued for another sync rule. */
    OTHER_RULE,
    /** Older than the retention mark: change-log rows the cursor still needs may have been deleted. */
    PAST_RETENTION,
    /** Names transactions the database has not assigned yet, as after a restore. */
    FROM_THE_FUTURE
}
