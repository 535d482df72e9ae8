package dev.nizhal.war;

import dev.nizhal.demo.DemoApp;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.jakarta.NizhalApp;
import jakarta.enterprise.context.ApplicationScoped;
import javax.sql.DataSource;

/** The demo apps (notes and shared lists, {@link DemoApp}) as the WAR's {@link NizhalApp} bean. */
@ApplicationScoped
public class DemoWarApp implements NizhalApp {
    @Override
    public SyncRules rules() {
        return DemoApp.rules();
    }

    @Override
    public Mutators mutators() {
        return DemoApp.mutators();
    }

    /** The demo's tables, created when missing. */
    @Override
    public void prepare(DataSource dataSource) {
        DemoApp.createSchema(dataSource);
    }
}
