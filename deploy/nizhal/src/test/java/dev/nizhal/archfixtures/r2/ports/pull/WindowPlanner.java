package dev.nizhal.archfixtures.r2.ports.pull;

import dev.nizhal.archfixtures.r2.domain.Bucket;
import dev.nizhal.archfixtures.r2.ports.out.ChangeLog;
import java.util.List;

/** Compliant with R2: ports, domain and the JDK. */
public final class WindowPlanner {
    private final ChangeLog changeLog;

    public WindowPlanner(ChangeLog changeLog) {
        this.changeLog = changeLog;
    }

    public List<String> plan(Bucket bucket) {
        return changeLog.changes(bucket);
    }
}
