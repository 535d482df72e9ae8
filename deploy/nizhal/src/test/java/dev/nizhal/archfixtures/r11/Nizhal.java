package dev.nizhal.archfixtures.r11;

import dev.nizhal.archfixtures.r11.ports.service.TestSeam;
import java.util.ArrayList;
import java.util.List;

/** Allowed: a package-private enabling hook that the class itself never calls. */
public final class Nizhal {
    private final List<Runnable> changes = new ArrayList<>();

    @TestSeam
    Nizhal changeServices(Runnable change) {
        changes.add(change);
        return this;
    }

    public void build() {
        changes.forEach(Runnable::run);
    }
}
