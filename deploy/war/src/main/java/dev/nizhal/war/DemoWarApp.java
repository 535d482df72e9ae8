package dev.nizhal.war;

import dev.nizhal.demo.DemoApp;
import dev.nizhal.domain.mutator.MutationRejected;
import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.SyncRules;
import dev.nizhal.jakarta.NizhalApp;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The demo apps (notes and shared lists, {@link DemoApp}) as the WAR's {@link NizhalApp} bean, with one mutator more
 * that writes through JPA: {@code addNoteWithJpa} persists a {@link Note} with the push transaction's {@code
 * EntityManager} (the WAR runs its pushes in JTA transactions: {@code nizhal.transactions=jta}).
 */
@ApplicationScoped
public class DemoWarApp implements NizhalApp {
    /** How many notes a user may have at most, when adding one with JPA ({@code demo.notes.quota}). */
    static final String NOTES_QUOTA = "demo.notes.quota";

    @Override
    public SyncRules rules() {
        return DemoApp.rules();
    }

    @Override
    public Mutators mutators() {
        long quota = ConfigProvider.getConfig(DemoWarApp.class.getClassLoader())
                .getOptionalValue(NOTES_QUOTA, Long.class)
                .orElse(10_000L);
        return Mutators.define(m -> {
            DemoApp.defineMutators(m);
            m.mutator("addNoteWithJpa", DemoApp.AddNote.class, (ctx, args) -> {
                EntityManager entityManager = ctx.tx(EntityManager.class);
                String id = args.id() != null ? args.id() : ctx.newId();
                entityManager.persist(new Note(id, args.body(), ctx.actor().id()));
                // the query flushes the insert first (flush mode AUTO): a note over the quota has been written when
                // the rejection is thrown, and is rolled back with the body's savepoint
                long notes = entityManager
                        .createQuery("select count(n) from Note n where n.ownerId = :owner", Long.class)
                        .setParameter("owner", ctx.actor().id())
                        .getSingleResult();
                if (notes > quota) {
                    throw MutationRejected.because("QUOTA", "a user has at most " + quota + " notes");
                }
                return MutationResult.of(id);
            });
        });
    }

    /** The demo's tables, created when missing. */
    @Override
    public void prepare(DataSource dataSource) {
        DemoApp.createSchema(dataSource);
    }
}
