package dev.nizhal.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A request whose body must have arrived within a deadline from the start of the request. Jetty's idle timeout starts
 * again with every byte, so a client that dribbles its body a byte at a time would hold a worker thread (the servlet
 * reads blocking) for as long as it likes; past the deadline, the next read of the body fails, and a reader waiting
 * for bytes is woken to see that failure (an {@link java.io.IOException} in the servlet), so the thread is free and
 * the client gets the protocol's error.
 */
final class BodyDeadline extends Request.Wrapper {
    private final Duration deadline;
    private final Scheduler.Task expiry;
    /** The reader's demand while it waits for bytes: run once, by Jetty when bytes come or by the expiry. */
    private final AtomicReference<Runnable> waiting = new AtomicReference<>();

    private volatile boolean expired;
    private volatile boolean complete;

    private BodyDeadline(Request request, Duration deadline) {
        super(request);
        this.deadline = deadline;
        this.expiry = request.getComponents()
                .getScheduler()
                .schedule(this::expire, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * {@code request} with a body deadline when it has a body (a declared length above 0, or a transfer encoding),
     * else {@code request} itself (a WebSocket upgrade, a GET); {@code callback} is the request's, which ends the
     * deadline's timer when the request completes.
     */
    static Request of(Request request, Duration deadline, Callback[] callback) {
        boolean body = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
                || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (!body) {
            return request;
        }
        BodyDeadline limited = new BodyDeadline(request, deadline);
        callback[0] = Callback.from(limited.expiry::cancel, callback[0]);
        return limited;
    }

    @Override
    public Content.Chunk read() {
        if (expired) {
            // its message is in the log only, never in an answer
            return Content.Chunk.from(
                    new TimeoutException("the request body did not arrive within " + deadline.toMillis() + " ms"),
                    true);
        }
        Content.Chunk chunk = super.read();
        if (chunk != null && chunk.isLast()) {
            complete = true;
            expiry.cancel();
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        if (expired) {
            demandCallback.run(); // the next read fails at once
            return;
        }
        waiting.set(demandCallback);
        super.demand(() -> {
            Runnable once = waiting.getAndSet(null);
            if (once != null) {
                once.run();
            }
        });
        if (expired) {
            wake();
        }
    }

    private void expire() {
        if (complete) {
            return;
        }
        expired = true;
        wake();
    }

    private void wake() {
        Runnable once = waiting.getAndSet(null);
        if (once != null) {
            once.run();
        }
    }
}
