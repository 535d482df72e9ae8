package dev.nizhal.adapters.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.actor.Actor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The send side of one socket, on a wire the test completes (or never completes) by hand and a clock it moves. */
class StreamConnectionTest {
    private static final long MIN_POKE = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long HEARTBEAT = TimeUnit.SECONDS.toNanos(25);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final HeldWire wire = new HeldWire();
    private final StreamConnection connection = new StreamConnection(wire, timer, nanos::get, MIN_POKE);

    /** Keeps every frame's completion until the test runs it. */
    private static final class HeldWire implements Wire {
        final List<String> frames = new ArrayList<>();
        final List<Consumer<Throwable>> pending = new ArrayList<>();
        int pings;
        int closes;

        @Override
        public synchronized void sendText(String text, Consumer<Throwable> done) {
            frames.add(text);
            pending.add(done);
        }

        @Override
        public synchronized void sendPing() {
            pings++;
        }

        @Override
        public synchronized void close(int code, String reason) {
            closes++;
        }

        /** Completes the oldest frame being written. */
        void complete() {
            Consumer<Throwable> done;
            synchronized (this) {
                done = pending.removeFirst();
            }
            done.accept(null);
        }
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private void ready() {
        connection.authenticated(Actor.of("u1"), "token", Map.of("a", "[]"));
        assertThat(connection.ready(Instant.EPOCH)).isTrue();
        assertThat(wire.frames).containsExactly(StreamConnection.READY_FRAME);
        wire.complete();
    }

    @Test
    void nothingIsSentBeforeTheHelloIsAccepted() {
        connection.poke("a");
        assertThat(wire.frames).isEmpty();
        assertThat(connection.waiting()).isZero();
    }

    @Test
    void aStalledWireHoldsAtMostOneFramePerRuleAndOnePingWhateverIsOffered() {
        ready();
        for (int i = 0; i < 10_000; i++) {
            connection.poke("a");
            connection.poke("b");
            connection.poke("c");
            if (connection.ping()) {
                wire.sendPing(); // as the hub does, off the lock; this wire never finishes writing it
            }
            nanos.addAndGet(MIN_POKE);
        }
        // one poke being written (never completed), then a, b or c and the ping waiting at most
        assertThat(wire.frames).hasSize(2);
        assertThat(connection.waiting()).isLessThanOrEqualTo(1 + 3 + 1);
        assertThat(connection.stalled(HEARTBEAT)).isTrue();
    }

    @Test
    void pokesOfOneRuleCoalesceAndRespectTheMinimumInterval() throws Exception {
        ready();
        connection.poke("a");
        assertThat(wire.frames).last().isEqualTo("{\"type\":\"poke\",\"syncRule\":\"a\"}");
        wire.complete();
        connection.poke("a");
        connection.poke("a");
        // too soon after the last poke of "a": it waits for the interval, once
        assertThat(wire.frames).hasSize(2);
        nanos.addAndGet(MIN_POKE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (wire.frames.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(wire.frames).hasSize(3);
        wire.complete();
        Thread.sleep(100);
        assertThat(wire.frames).hasSize(3);
    }

    @Test
    void anUnansweredPingMakesTheSocketStalledAfterOneHeartbeatAndAPongClearsIt() {
        ready();
        assertThat(connection.ping()).isTrue();
        wire.sendPing();
        connection.pingSent();
        assertThat(wire.pings).isEqualTo(1);
        wire.complete(); // the ping frame
        nanos.addAndGet(HEARTBEAT - 1);
        assertThat(connection.stalled(HEARTBEAT)).isFalse();
        nanos.addAndGet(1);
        assertThat(connection.stalled(HEARTBEAT)).isTrue();
        connection.pong();
        assertThat(connection.stalled(HEARTBEAT)).isFalse();
    }

    @Test
    void oneRecomputePerRuleRunsAtATimeAndAHitMeanwhileMakesItRunOnceMore() {
        assertThat(connection.startRecompute("a")).isTrue();
        assertThat(connection.startRecompute("a")).isFalse();
        assertThat(connection.startRecompute("a")).isFalse();
        assertThat(connection.startRecompute("b")).isTrue();
        assertThat(connection.finishRecompute("a")).isTrue(); // once more, for both hits
        assertThat(connection.finishRecompute("a")).isFalse();
        assertThat(connection.startRecompute("a")).isTrue();
    }

    @Test
    void aPingIsNotAskedForWhileTheLastOneIsStillBeingWritten() {
        ready();
        assertThat(connection.ping()).isTrue();
        assertThat(connection.ping()).isFalse();
        connection.pingSent();
        assertThat(connection.ping()).isTrue();
    }

    @Test
    void aClosedSocketDropsWhatWaitsAndTakesNoMore() {
        ready();
        connection.poke("a");
        connection.poke("b");
        assertThat(connection.markClosed()).isTrue();
        assertThat(connection.markClosed()).isFalse();
        assertThat(connection.waiting()).isLessThanOrEqualTo(1);
        connection.poke("c");
        assertThat(wire.frames).hasSize(2);
    }

    @Test
    void ruleNamesAreQuotedAsJsonStrings() {
        assertThat(StreamConnection.quoted("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
