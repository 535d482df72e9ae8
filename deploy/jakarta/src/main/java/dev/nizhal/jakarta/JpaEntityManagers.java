package dev.nizhal.jakarta;

import dev.nizhal.adapters.jdbi.EnclosingTransactions;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.persistence.EntityManager;

/**
 * The application's JPA {@link EntityManager} for a mutator in a JTA push transaction: its {@code EntityManager} bean
 * of the default qualifier, the container's transaction-scoped one. Jakarta Persistence 3.2 (Jakarta EE 11: Open
 * Liberty's {@code persistence-3.2}, Payara 7) makes one for a persistence unit without a {@code <qualifier>}; on an
 * older server the application produces it ({@code @Produces @PersistenceContext EntityManager em;}). Its unit is a
 * JTA one whose {@code jta-data-source} is Nizhal's ({@code nizhal.datasource}). Flushed when the mutator body
 * returns (inside its savepoint), cleared when its writes are rolled back.
 */
final class JpaEntityManagers {
    private JpaEntityManagers() {}

    static EnclosingTransactions.Joined join() {
        Instance<EntityManager> beans = CDI.current().select(EntityManager.class);
        if (beans.isUnsatisfied() || beans.isAmbiguous()) {
            throw new IllegalArgumentException("No transaction handle of type " + EntityManager.class.getName()
                    + ": the application has " + (beans.isUnsatisfied() ? "no" : "several")
                    + " EntityManager beans of the default qualifier: one JTA persistence unit on Nizhal's data source"
                    + " without a <qualifier> gives one (Jakarta Persistence 3.2), or produce it");
        }
        EntityManager entityManager = beans.get();
        if (!entityManager.isJoinedToTransaction()) {
            entityManager.joinTransaction();
        }
        return new Joined(entityManager);
    }

    private record Joined(EntityManager entityManager) implements EnclosingTransactions.Joined {
        @Override
        public Object handle() {
            return entityManager;
        }

        @Override
        public void flush() {
            entityManager.flush();
        }

        @Override
        public void discard() {
            // its managed entities were rolled back with the savepoint: not written again, nor cached, at commit
            entityManager.clear();
        }
    }
}
