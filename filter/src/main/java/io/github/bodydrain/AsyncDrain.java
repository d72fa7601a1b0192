package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A drain that holds no thread: the request goes async when the filter chain returns, the body is
 * read whenever the container says more has arrived, and the response, still in the container's
 * buffer, goes out when the drain ends or its deadline passes, whichever comes first. A client
 * that sends nothing, or a byte a second, then costs a connection and no request thread.
 */
final class AsyncDrain implements ReadListener, AsyncListener {

    /**
     * The container's own async timeout is a fallback should the deadline's timer be gone: far
     * enough past the deadline that a timer late under load never races it (Tomcat handles a
     * complete() from another thread that meets its own timeout badly).
     */
    private static final long CONTAINER_TIMEOUT_MARGIN_MS = 10_000;

    private final RequestDrain drain;
    private final AtomicBoolean completed = new AtomicBoolean();
    private AsyncContext context;
    private volatile Deadlines.Deadline deadline;

    private AsyncDrain(RequestDrain drain) {
        this.drain = drain;
    }

    /**
     * Whether the drain of this request can wait for the body without a thread: the application
     * returned normally and left the request synchronous, every filter and the servlet support
     * async, and the response is still in the container's buffer, or went out with the body
     * announced with {@code Expect} left uninvited.
     */
    static boolean applies(ServletRequest request, ServletResponse response, RequestDrain drain) {
        return request.isAsyncSupported() && !request.isAsyncStarted()
                && (!response.isCommitted() || drain.leavesTheUninvitedBody());
    }

    /**
     * Starts the drain on the objects the filter was given. False when the container refused to
     * go async: the caller then drains as it would without this.
     */
    static boolean start(ServletRequest request, ServletResponse response, DrainingInputStream body,
            RequestDrain drain, Deadlines deadlines, long timeoutMs) {
        AsyncDrain run = new AsyncDrain(drain);
        try {
            run.context = request.startAsync(request, response);
        } catch (IllegalStateException refused) {
            return false;
        }
        drain.startWithoutBlocking();
        try {
            run.context.setTimeout(timeoutMs + CONTAINER_TIMEOUT_MARGIN_MS);
            run.context.addListener(run);
            run.deadline = deadlines.schedule(run::deadlinePassed, drain.untilDeadline());
            // The container calls onDataAvailable, or onAllDataRead, once the listener is set.
            body.readWithoutBlocking(run);
        } catch (IOException | RuntimeException e) {
            // The timer is gone (the filter is being destroyed) or the stream refused the listener.
            run.onError(e);
        }
        return true;
    }

    @Override
    public void onDataAvailable() {
        if (drain.resume() != null) {
            complete();
        }
    }

    @Override
    public void onAllDataRead() {
        if (drain.resume() != null) {
            complete();
        }
    }

    @Override
    public void onError(Throwable failure) {
        drain.stop(DrainOutcome.ERROR, failure);
        complete();
    }

    private void deadlinePassed() {
        drain.stop(DrainOutcome.TIMEOUT, null);
        complete();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        drain.stop(DrainOutcome.TIMEOUT, null);
        complete();
    }

    @Override
    public void onError(AsyncEvent event) {
        onError(event.getThrowable());
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Completed by the container (the connection failed): nothing more will be read.
        drain.stop(DrainOutcome.ERROR, null);
        completed.set(true);
        cancelDeadline();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // The filter never restarts its own async cycle.
    }

    /** Lets the response go, once, whoever ended the drain. */
    private void complete() {
        if (completed.compareAndSet(false, true)) {
            cancelDeadline();
            try {
                context.complete();
            } catch (IllegalStateException alreadyOver) {
                // The container completed the request itself, as after an error.
            }
        }
    }

    private void cancelDeadline() {
        Deadlines.Deadline scheduled = deadline;
        if (scheduled != null) {
            scheduled.cancel();
        }
    }
}
