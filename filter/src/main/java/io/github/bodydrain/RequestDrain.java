package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * One request's drain: the wrappers that see the response about to commit, and the drain itself,
 * which runs at most once.
 */
final class RequestDrain implements AsyncListener {

    private final BodyDrainFilter filter;
    private final BodyDrainFilter.Settings settings;
    private final HttpServletRequest containerRequest;
    private final HttpServletResponse containerResponse;
    private final DrainingRequest request;
    private final DrainingResponse response;
    private volatile boolean done;
    /** Body bytes (characters for a reader) the drain has read; written only inside drain(). */
    private long drained;

    RequestDrain(BodyDrainFilter filter, BodyDrainFilter.Settings settings, HttpServletRequest request,
            HttpServletResponse response) {
        this.filter = filter;
        this.settings = settings;
        this.containerRequest = request;
        this.containerResponse = response;
        this.request = new DrainingRequest(request, this, filter);
        this.response = new DrainingResponse(response, this);
    }

    HttpServletRequest request() {
        return request;
    }

    HttpServletResponse response() {
        return response;
    }

    boolean isDone() {
        return done;
    }

    /** The response is about to commit: drain now, unless the application streams both ways. */
    void beforeCommit() {
        if (!done && containerRequest.getAttribute(BodyDrainFilter.FULL_DUPLEX_ATTRIBUTE) == null) {
            drain();
        }
    }

    /** The request is ending: the chain returned or threw, or async processing is completing. */
    void atEnd() {
        if (!done) {
            drain();
        }
    }

    AsyncContext asyncStarted(AsyncContext context) {
        // A restarted AsyncContext drops its listeners, and every start passes through here.
        context.addListener(this);
        return new DrainingAsyncContext(context, this);
    }

    AsyncContext wrapped(AsyncContext context) {
        return context == null ? null : new DrainingAsyncContext(context, this);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        atEnd();
    }

    @Override
    public void onError(AsyncEvent event) {
        atEnd();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Completed without DrainingAsyncContext.complete(), e.g. by the container after a
        // timeout: whatever is left can only be read as far as it has arrived.
        atEnd();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // asyncStarted() registers again.
    }

    // synchronized: complete() on an application thread may race a timeout on a container thread.
    private synchronized void drain() {
        if (done) {
            return;
        }
        done = true;
        long started = System.nanoTime();
        DrainOutcome outcome;
        Exception failure = null;
        try {
            outcome = drainBody(started);
        } catch (IOException | RuntimeException e) {
            // The client went away or sent a malformed body: the response is what matters.
            outcome = DrainOutcome.ERROR;
            failure = e;
        }
        if (outcome != DrainOutcome.NOTHING_LEFT && outcome != DrainOutcome.DRAINED
                && outcome != DrainOutcome.COMMITTED) {
            closeConnection();
        }
        filter.record(outcome, drained);
        if (BodyDrainFilter.LOG.isLoggable(Level.DEBUG)) {
            BodyDrainFilter.LOG.log(Level.DEBUG, "Drain of [{0} {1}] ended [{2}] after [{3}] bytes in [{4}] ms{5}",
                    containerRequest.getMethod(), containerRequest.getRequestURI(), outcome, drained,
                    (System.nanoTime() - started) / 1_000_000, failure == null ? "" : ": " + failure);
        }
    }

    private DrainOutcome drainBody(long started) throws IOException {
        BodyInput opened = request.openedBodyInput();
        // Decided before the stream is touched: Jetty sends 100 Continue on getInputStream().
        if ((opened == null || !opened.started())
                && "100-continue".equalsIgnoreCase(containerRequest.getHeader("Expect"))) {
            return DrainOutcome.EXPECT_CONTINUE;
        }
        BodyInput body = request.bodyInput();
        long remaining = body.remainingAtMost();
        if (remaining == 0 || body.isFinished()) {
            return DrainOutcome.NOTHING_LEFT;
        }
        if (remaining > settings.maxBytes) {
            return DrainOutcome.OVER_LIMIT;
        }
        boolean arrivedOnly = containerResponse.isCommitted() || body.isNonBlocking();
        long deadline = started + settings.timeoutNanos;
        while (true) {
            if (arrivedOnly && !body.hasArrived()) {
                return body.isFinished() ? ended() : DrainOutcome.COMMITTED;
            }
            // One past the limit tells a body of exactly maxBytes from a longer one.
            int n = body.discard((int) Math.min(BodyInput.DISCARD_SIZE, settings.maxBytes - drained + 1));
            if (n < 0) {
                return ended();
            }
            drained += n;
            if (drained > settings.maxBytes) {
                return DrainOutcome.OVER_LIMIT;
            }
            if (System.nanoTime() - deadline > 0) {
                return DrainOutcome.TIMEOUT;
            }
        }
    }

    private DrainOutcome ended() {
        return drained == 0 ? DrainOutcome.NOTHING_LEFT : DrainOutcome.DRAINED;
    }

    private void closeConnection() {
        try {
            if (!containerResponse.isCommitted()) {
                containerResponse.setHeader("Connection", "close");
            }
        } catch (RuntimeException e) {
            // A response already closed by the container: nothing left to signal.
        }
    }
}
