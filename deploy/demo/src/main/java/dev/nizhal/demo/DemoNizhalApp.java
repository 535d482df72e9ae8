package dev.nizhal.demo;

import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.server.NizhalApp;
import javax.sql.DataSource;

/** The demo apps ({@link DemoApp}) as the {@code nizhal} CLI runs them: {@code nizhal serve} creates their tables. */
public final class DemoNizhalApp implements NizhalApp {
    @Override
    public SyncRules rules() {
        return DemoApp.rules();
    }

    @Override
    public Mutators mutators() {
        return DemoApp.mutators();
    }

    @Override
    public void prepare(DataSource dataSource) {
        DemoApp.createSchema(dataSource);
    }
}
