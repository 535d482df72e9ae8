package dev.nizhal.ports.fakes;

import dev.nizhal.ports.out.RealtimeNotifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Remembers every publication, in order. */
public final class RecordingRealtimeNotifier implements RealtimeNotifier {
    private final List<Set<String>> published = new ArrayList<>();

    @Override
    public void publish(long txid, Set<String> buckets) {
        published.add(Set.copyOf(buckets));
    }

    public List<Set<String>> published() {
        return List.copyOf(published);
    }
}
