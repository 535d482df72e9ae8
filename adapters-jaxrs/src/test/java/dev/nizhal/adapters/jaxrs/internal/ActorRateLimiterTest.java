package dev.nizhal.adapters.jaxrs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nizhal.domain.actor.Actor;
import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ActorRateLimiterTest {
    /** A clock the test moves; starts far from 0 and near the wrap of nanoTime, which must not matter. */
    private final AtomicLong now =
            new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(2).toNanos());

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void aFullBucketLetsTheBurstThroughThenRefusesUntilItRefills() {
        ActorRateLimiter limiter = new ActorRateLimiter(5, 5, 100, now::get);

        for (int i = 0; i < 5; i++) {
            assertThat(limiter.waitNanos("alice")).as("request %d", i + 1).isZero();
        }
        assertThat(limiter.waitNanos("alice"))
                .as("the 6th")
                .isEqualTo(Duration.ofMillis(200).toNanos());

        advance(Duration.ofMillis(200));
        assertThat(limiter.waitNanos("alice")).as("one refilled").isZero();
        assertThat(limiter.waitNanos("alice")).isPositive();

        advance(Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.waitNanos("alice"))
                    .as("after a second, request %d", i + 1)
                    .isZero();
        }
        assertThat(limiter.waitNanos("alice")).isPositive();
    }

    @Test
    void aRefusalIsRateLimitedWithWholeSecondsToWaitAtLeastOne() {
        ActorRateLimiter limiter = new ActorRateLimiter(1, 2, 100, now::get);
        Actor alice = Actor.of("alice");
        limiter.acquire(alice);
        limiter.acquire(alice);

        assertThatThrownBy(() -> limiter.acquire(alice)).isInstanceOfSatisfying(SyncException.class, e -> {
            assertThat(e.code()).isEqualTo(SyncErrorCode.RATE_LIMITED);
            assertThat(e.details()).containsEntry("retryAfterSeconds", 1L);
            assertThat(e.getMessage()).isEqualTo("too many requests from this actor; retry in 1 second");
        });

        ActorRateLimiter slow = new ActorRateLimiter(1, 1, 100, now::get);
        slow.acquire(alice);
        advance(Duration.ofMillis(1));
        // 999 ms to wait: rounded up, never down to 0
        assertThatThrownBy(() -> slow.acquire(alice))
                .isInstanceOfSatisfying(
                        SyncException.class, e -> assertThat(e.details()).containsEntry("retryAfterSeconds", 1L));
    }

    @Test
    void anotherActorHasItsOwnBucket() {
        ActorRateLimiter limiter = new ActorRateLimiter(1, 1, 100, now::get);
        assertThat(limiter.waitNanos("alice")).isZero();
        assertThat(limiter.waitNanos("alice")).isPositive();

        assertThat(limiter.waitNanos("bob")).isZero();
    }

    @Test
    void actorsWhoseBucketIsFullAgainAreForgottenOnceTheTableIsFull() {
        ActorRateLimiter limiter = new ActorRateLimiter(10, 10, 3, now::get);
        limiter.waitNanos("a");
        limiter.waitNanos("b");
        limiter.waitNanos("c");
        assertThat(limiter.tracked()).isEqualTo(3);

        advance(Duration.ofSeconds(1));
        assertThat(limiter.waitNanos("d")).isZero();

        assertThat(limiter.tracked())
                .as("a, b and c were full again: only d is left")
                .isEqualTo(1);
    }

    @Test
    void beyondTheTableActorsShareOneBucketAndMemoryStaysBounded() {
        ActorRateLimiter limiter = new ActorRateLimiter(1, 2, 3, now::get);
        for (String busy : new String[] {"a", "b", "c"}) {
            assertThat(limiter.waitNanos(busy)).isZero();
        }

        int admitted = 0;
        for (int i = 0; i < 10_000; i++) {
            if (limiter.waitNanos("token-" + i) == 0) {
                admitted++;
            }
        }

        assertThat(limiter.tracked()).isEqualTo(3);
        assertThat(admitted).as("10 000 new actors get one actor's burst").isEqualTo(2);
        assertThat(limiter.waitNanos("a"))
                .as("a tracked actor keeps its own bucket")
                .isZero();
    }

    @Test
    void unlimitedLetsEverythingThrough() {
        Actor alice = Actor.of("alice");
        for (int i = 0; i < 1000; i++) {
            ActorRateLimiter.UNLIMITED.acquire(alice);
        }
    }
}
