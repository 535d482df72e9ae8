package dev.nizhal.domain.cursor;

import java.util.Objects;

/** What {@link CursorCodec#verify} concludes about a token a client sent: continue from it, or answer {@code reset}. */
public sealed interface CursorCheck {

    /** The token is authentic, was issued for this request's database, plan, actor, client and rule, and is usable. */
    record Valid(Cursor cursor) implements CursorCheck {
        public Valid {
            Objects.requireNonNull(cursor, "cursor");
        }
    }

    /** The pull must answer {@code reset: true} and start from an empty window; {@code reason} says why. */
    record Reset(ResetReason reason) implements CursorCheck {
        public Reset {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
