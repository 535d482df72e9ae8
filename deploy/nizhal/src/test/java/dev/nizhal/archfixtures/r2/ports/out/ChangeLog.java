package dev.nizhal.archfixtures.r2.ports.out;

import dev.nizhal.archfixtures.r2.domain.Bucket;
import java.util.List;

/** Compliant with R2: ports depend on domain and the JDK. */
public interface ChangeLog {
    List<String> changes(Bucket bucket);
}
