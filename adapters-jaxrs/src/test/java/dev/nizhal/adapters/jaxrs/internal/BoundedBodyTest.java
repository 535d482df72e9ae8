package dev.nizhal.adapters.jaxrs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nizhal.domain.error.SyncErrorCode;
import dev.nizhal.domain.error.SyncException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {

    /** A stream of {@code size} bytes that counts what was read from it. */
    private static final class CountingStream extends InputStream {
        private final long size;
        final AtomicLong read = new AtomicLong();

        CountingStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (read.get() >= size) {
                return -1;
            }
            read.incrementAndGet();
            return 'x';
        }
    }

    @Test
    void readsABodyUpToTheLimitExactly() {
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[100]), null, 100))
                .hasSize(100);
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[0]), "0", 100))
                .isEmpty();
        assertThat(BoundedBody.read(null, null, 100)).isEmpty();
    }

    @Test
    void aBodyWithoutALengthIsReadNoFurtherThanTheDrainLimitPastTheLimit() {
        CountingStream endless = new CountingStream(Long.MAX_VALUE);

        SyncException e = catchThrowableOfType(SyncException.class, () -> BoundedBody.read(endless, null, 1000));

        assertThat(e.code()).isEqualTo(SyncErrorCode.PAYLOAD_TOO_LARGE);
        assertThat(e.details()).containsEntry("limit", 1000);
        // the rest is read and thrown away up to the drain limit, so the client gets its 413, then no more
        assertThat(endless.read.get()).isLessThanOrEqualTo(1000 + BoundedBody.DRAIN_LIMIT + 2 * 8192);
    }

    @Test
    void aLengthThatLiesSmallIsNotTrusted() {
        SyncException e =
                catchThrowableOfType(SyncException.class, () -> BoundedBody.read(new CountingStream(5000), "10", 1000));

        assertThat(e.code()).isEqualTo(SyncErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedAndTheBodyThrownAway() {
        CountingStream body = new CountingStream(5000);

        SyncException e = catchThrowableOfType(SyncException.class, () -> BoundedBody.read(body, "5000", 1000));

        assertThat(e.code()).isEqualTo(SyncErrorCode.PAYLOAD_TOO_LARGE);
        // drained, not kept: the client finishes sending and reads the answer instead of a reset connection
        assertThat(body.read.get()).isEqualTo(5000);
    }

    @Test
    void aBrokenStreamIsAMalformedRequest() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset by peer");
            }
        };

        SyncException e = catchThrowableOfType(SyncException.class, () -> BoundedBody.read(broken, null, 10));

        assertThat(e.code()).isEqualTo(SyncErrorCode.MALFORMED_REQUEST);
        assertThat(e.getMessage()).doesNotContain("reset");
    }
}
