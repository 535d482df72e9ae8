package dev.nizhal.archfixtures.r7.ports.pull;

/** Compliant with R7: a public class that is no service. */
public final class ChangeWindowPlanner {
    public int windowSize() {
        return 100;
    }
}
