package dev.nizhal.faults;

import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.KeySource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Simulated clients of every actor of {@link FaultApp}, each stepped by its own thread until {@link #stop} or until
 * the fleet has taken its budget of steps. A client thread that throws is a violation (the test's own bug or an
 * answer it could not read), never silently gone.
 */
final class ClientFleet implements AutoCloseable {
    private final List<SimClient> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Violations violations;
    private final Tally tally;

    /**
     * @param clientsPerActor devices per actor of {@link FaultApp#TEAMS}
     * @param seed every client's randomness derives from it
     */
    ClientFleet(
            SyncHttp http,
            byte[] jwtSecret,
            int clientsPerActor,
            long seed,
            SimClient.Chaos chaos,
            Violations violations,
            Tally tally) {
        this.violations = violations;
        this.tally = tally;
        HmacTokenIssuer tokens = new HmacTokenIssuer(
                Issuer.builder(KeySource.hmacSecret(jwtSecret)).build(), Instant::now);
        int n = 0;
        for (String actor : new TreeMap<>(FaultApp.TEAMS).keySet()) {
            String token = tokens.sign(actor, Duration.ofHours(24));
            for (int i = 0; i < clientsPerActor; i++) {
                String clientId = "c-" + Long.toHexString(seed) + "-" + actor + "-" + i;
                clients.add(new SimClient(clientId, actor, token, http, seed * 31 + n++, chaos, violations, tally));
            }
        }
    }

    List<SimClient> clients() {
        return clients;
    }

    /** Starts one thread per client; together they take at most {@code stepBudget} steps. */
    void start(long stepBudget) {
        running.set(true);
        for (SimClient client : clients) {
            Thread thread = new Thread(
                    () -> {
                        try {
                            while (running.get() && tally.get("steps") < stepBudget) {
                                client.step();
                            }
                        } catch (RuntimeException | AssertionError e) {
                            violations.add(client.clientId() + " stopped on " + e);
                            e.printStackTrace();
                        }
                    },
                    "sim-" + client.clientId());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Whether some client still steps (false once the budget is spent). */
    boolean stepping() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    /** Stops the threads and waits for them (each finishes its step: at most one request timeout). */
    void stop() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(90));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (thread.isAlive()) {
                violations.add(thread.getName() + " did not stop within 90 s");
            }
        }
        threads.clear();
    }

    /** Each client's last issued id now: mutations a fault may have caught in flight. */
    Map<SimClient, Long> issuedMarks() {
        Map<SimClient, Long> marks = new java.util.LinkedHashMap<>();
        clients.forEach(c -> marks.put(c, c.issuedThrough()));
        return marks;
    }

    /** Whether every client has an acknowledged outcome for every id up to its mark. */
    static boolean acknowledged(Map<SimClient, Long> marks) {
        return marks.entrySet().stream().allMatch(e -> e.getKey().acknowledgedThrough() >= e.getValue());
    }

    @Override
    public void close() {
        stop();
    }
}
