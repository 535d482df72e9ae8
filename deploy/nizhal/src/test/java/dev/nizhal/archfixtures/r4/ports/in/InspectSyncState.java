package dev.nizhal.archfixtures.r4.ports.in;

import java.util.List;

/** The driving port the console should use. */
public interface InspectSyncState {
    List<String> buckets();
}
