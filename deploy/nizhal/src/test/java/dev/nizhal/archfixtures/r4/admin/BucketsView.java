package dev.nizhal.archfixtures.r4.admin;

import dev.nizhal.archfixtures.r4.ports.in.InspectSyncState;
import java.util.List;

/** Compliant with R4: the console reads through an in port. */
public final class BucketsView {
    private final InspectSyncState state;

    public BucketsView(InspectSyncState state) {
        this.state = state;
    }

    public List<String> rows() {
        return state.buckets();
    }
}
