package dev.nizhal.adapters.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.cursor.PgSnapshot;
import dev.nizhal.ports.in.WatchChanges;
import dev.nizhal.ports.out.ActorResolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Sockets that open while the hub closes (a stream endpoint still accepting while its application stops): each one is
 * closed with 1001 exactly once, none stays registered, and opening never throws. Sockets never get to their hello
 * here, so the hub's change log and resolver are never asked.
 */
class StreamHubCloseTest {
    private static final int ROUNDS = 200;
    private static final int OPENERS = 3;

    private static final WatchChanges NOT_ASKED = new WatchChanges() {
        @Override
        public Watch watch(Actor actor, String syncRule, String bucketsFilterJson) {
            throw new AssertionError("no socket gets to its hello in this test");
        }

        @Override
        public Commits commitsAfter(PgSnapshot after) {
            throw new AssertionError("the hub is never started in this test");
        }
    };
    private static final ActorResolver NO_TOKENS = credentials -> {
        throw new AssertionError("no socket gets to its hello in this test");
    };

    /** Counts the closes of one socket. */
    private static final class CountingWire implements Wire {
        final AtomicInteger closes = new AtomicInteger();
        volatile int code;

        @Override
        public void sendText(String text, Consumer<Throwable> done) {
            done.accept(null);
        }

        @Override
        public void sendPing() {}

        @Override
        public void close(int code, String reason) {
            this.code = code;
            closes.incrementAndGet();
        }
    }

    @Test
    void aSocketOpenedWhileTheHubClosesIsClosedOnceAndNotKept() throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            StreamHub hub = new StreamHub(NOT_ASKED, NO_TOKENS, Instant::now, StreamSettings.DEFAULTS);
            ConcurrentLinkedQueue<CountingWire> wires = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean closed = new AtomicBoolean();
            CountDownLatch opening = new CountDownLatch(OPENERS);
            List<Thread> openers = new ArrayList<>();
            for (int i = 0; i < OPENERS; i++) {
                openers.add(Thread.ofPlatform().start(() -> {
                    opening.countDown();
                    int after = 0;
                    while (after < 20) { // a few opens after the close too
                        CountingWire wire = new CountingWire();
                        wires.add(wire);
                        try {
                            hub.open(wire);
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                        if (closed.get()) {
                            after++;
                        }
                    }
                }));
            }
            opening.await();
            hub.close();
            closed.set(true);
            for (Thread opener : openers) {
                opener.join();
            }

            assertThat(failures).as("round %d: opens that threw", round).isEmpty();
            assertThat(hub.stats().sockets())
                    .as("round %d: sockets kept", round)
                    .isZero();
            for (CountingWire wire : wires) {
                assertThat(wire.closes.get())
                        .as("round %d: closes of one socket", round)
                        .isEqualTo(1);
                assertThat(wire.code).isEqualTo(StreamHub.GOING_AWAY);
            }
        }
    }
}
