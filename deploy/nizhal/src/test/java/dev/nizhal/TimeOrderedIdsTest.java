package dev.nizhal;

import dev.nizhal.ports.contract.IdGeneratorContract;
import dev.nizhal.ports.out.IdGenerator;

class TimeOrderedIdsTest extends IdGeneratorContract {
    @Override
    protected IdGenerator generator() {
        return new TimeOrderedIds();
    }
}
