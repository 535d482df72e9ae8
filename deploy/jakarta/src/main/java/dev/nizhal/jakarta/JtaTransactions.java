package dev.nizhal.jakarta;

import dev.nizhal.adapters.jdbi.EnclosingTransactions;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.UserTransaction;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Each push's transaction as a JTA transaction of the server ({@code nizhal.transactions=jta}), begun and ended
 * through its {@link UserTransaction}: Nizhal's connection from the {@code DataSource} is enlisted in it, and so is
 * the application's JPA {@code EntityManager} on the same data source, which a mutator gets from {@code
 * ctx.tx(EntityManager.class)} ({@link JpaEntityManagers}). The server shares one physical connection between them
 * within the transaction, so the entity's row, the change-log rows and the journal entry commit together.
 */
final class JtaTransactions implements EnclosingTransactions {

    /** The standard JNDI name of the server's user transaction (Jakarta EE Platform, "UserTransaction"). */
    static final String USER_TRANSACTION = "java:comp/UserTransaction";

    private static final String ENTITY_MANAGER = "jakarta.persistence.EntityManager";

    private final UserTransaction transaction;

    JtaTransactions(UserTransaction transaction) {
        this.transaction = Objects.requireNonNull(transaction, "transaction");
    }

    /**
     * The server's user transaction.
     *
     * @throws IllegalArgumentException naming {@code nizhal.transactions} when the server has none
     */
    static JtaTransactions lookup() {
        try {
            return new JtaTransactions((UserTransaction) new InitialContext().lookup(USER_TRANSACTION));
        } catch (NamingException | ClassCastException | NoClassDefFoundError e) {
            throw new IllegalArgumentException(
                    NizhalSettings.TRANSACTIONS + " is jta, but the server has no " + USER_TRANSACTION + " (" + e
                            + "): enable its transactions (Liberty: jdbc-4.3 or persistence-3.2)");
        }
    }

    @Override
    public <T> T inTransaction(Supplier<T> work) {
        try {
            if (transaction.getStatus() != Status.STATUS_NO_TRANSACTION) {
                // joining it would hand its commit to someone who does not know when the journal entry is written
                throw new IllegalStateException(
                        "a JTA transaction is already active on this thread: Nizhal's transactions do not nest");
            }
            transaction.begin();
        } catch (NotSupportedException | SystemException e) {
            throw new IllegalStateException("the JTA transaction did not begin: " + e.getMessage(), e);
        }
        T result;
        try {
            result = work.get();
        } catch (RuntimeException | Error failure) {
            rollback(failure);
            throw failure;
        }
        try {
            if (transaction.getStatus() == Status.STATUS_MARKED_ROLLBACK) {
                transaction.rollback();
                throw new IllegalStateException("the JTA transaction was marked rollback-only and is rolled back");
            }
            transaction.commit();
        } catch (RollbackException | HeuristicMixedException | HeuristicRollbackException | SystemException e) {
            // the cause (a lost connection, say) tells a transient failure from others
            throw new IllegalStateException("the JTA transaction did not commit: " + e.getMessage(), e);
        }
        return result;
    }

    private void rollback(Throwable failure) {
        try {
            if (transaction.getStatus() != Status.STATUS_NO_TRANSACTION) {
                transaction.rollback();
            }
        } catch (SystemException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public Optional<Joined> join(Class<?> type) {
        // by name: JpaEntityManagers, which needs the JPA API, is loaded only when a mutator asks for it
        if (!type.getName().equals(ENTITY_MANAGER)) {
            return Optional.empty();
        }
        return Optional.of(JpaEntityManagers.join());
    }

    @Override
    public boolean rollbackOnly() {
        try {
            return transaction.getStatus() == Status.STATUS_MARKED_ROLLBACK;
        } catch (SystemException e) {
            throw new IllegalStateException("the JTA transaction's status is unknown: " + e.getMessage(), e);
        }
    }
}
