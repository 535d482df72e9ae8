package dev.nizhal.archfixtures.r7.ports.push;

import dev.nizhal.archfixtures.r7.ports.in.PushMutations;

/** Compliant with R7: package-private. */
abstract class AbstractPushService implements PushMutations {
    @Override
    public String push(String mutation) {
        return mutation;
    }
}
