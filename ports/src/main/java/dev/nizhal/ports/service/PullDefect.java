package dev.nizhal.ports.service;

/**
 * Known-broken variants of the pull, for tests only: each one breaks a rule of CHANGE-CAPTURE.md, and the
 * deterministic scenario that guards that rule must fail with it (TESTING.md, "Teeth").
 *
 * <p>A test seam ({@link TestSeam}): the type is public so that tests in other packages can name a variant, but no
 * production code can switch one on. Only a package-private setter of {@link NizhalServices.Config.Builder} takes it,
 * and test code reaches that setter through the test-jars ({@code ServicesTestSeams.pullDefect} of nizhal-ports,
 * {@code NizhalTestSeams.pullDefect} of nizhal).
 */
@TestSeam
public enum PullDefect {
    /** The correct pull. */
    NONE,
    /** The window's upper snapshot is taken anew on every page instead of staying fixed (scenario 1). */
    S_HI_PER_PAGE,
    /** A load keeps going after its bucket stops being served, and is not named revoked (scenario 3). */
    LOADS_NOT_INTERSECTED,
    /** Draining an older window ends the request: {@code hasMore: false} only means "that window" (scenario 4). */
    STALE_HAS_MORE,
    /** Changed rows are read and labelled with every served bucket, queued ones included (scenario 5). */
    SERVED_AS_READ_SET,
    /**
     * Changed rows are read with the held buckets' predicates only: loading buckets, loads started in this very
     * request included, are left out of the read set (scenario 2).
     */
    READ_SET_WITHOUT_LOADS,
    /** Log entries are selected for held buckets only: a loading bucket never joins log selection (scenario 6). */
    LOADS_NOT_IN_LOG,
    /** A load that completes in a request is not counted as held for the rest of it (scenario 7). */
    LOADED_NOT_HELD,
    /**
     * A loading bucket joins log selection in the window in which its load began, so log entries from before the
     * load are replayed (the randomized oracle's delete bound catches it).
     */
    LOADS_JOIN_LOG_EARLY,
    /**
     * A load page that ended at the size bound is taken for the end of its table: the rest of the table is skipped
     * (the randomized oracle with load pages bound at a few hundred bytes catches it).
     */
    LOAD_CUT_AS_END,
    /**
     * A window whose changed rows reached the size bound is answered as if whole: its position moves past the keys
     * the response left out (the randomized oracle with responses bound at a few hundred bytes catches it).
     */
    WINDOW_CUT_AS_END
}
