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
        boolean committed = containerResponse.isCommitted();
        long read = 0;
        DrainOutcome outcome;
        Exception failure = null;
        try {
            BodyInput opened = request.openedBodyInput();
            // Checked before the stream is touched: Jetty sends 100 Continue on getInputStream().
            boolean unsolicited = (opened == null || !opened.started())
                    && "100-continue".equalsIgnoreCase(containerRequest.getHeader("Expect"));
            BodyInput body = unsolicited ? null : request.bodyInput();
            long remaining = unsolicited ? -1 : body.remainingAtMost();
            if (unsolicited) {
                outcome = DrainOutcome.EXPECT_CONTINUE;
            } else if (remaining == 0 || body.isFinished()) {
                outcome = DrainOutcome.NOTHING_LEFT;
            } else if (remaining > settings.maxBytes) {
                outcome = DrainOutcome.OVER_LIMIT;
            } else {
                boolean arrivedOnly = committed || body.isNonBlocking();
                long limit = settings.maxBytes;
                long deadline = started + settings.timeoutNanos;
                while (true) {
                    if (arrivedOnly && !body.hasArrived()) {
                        outcome = body.isFinished() ? DrainOutcome.DRAINED : DrainOutcome.COMMITTED;
                        break;
                    }
                    // One past the limit tells a body of exactly maxBytes from a longer one.
                    int n = body.discard((int) Math.min(BodyInput.DISCARD_SIZE, limit - read + 1));
                    if (n < 0) {
                        outcome = DrainOutcome.DRAINED;
                        break;
                    }
                    read += n;
                    if (read > limit) {
                        outcome = DrainOutcome.OVER_LIMIT;
                        break;
                    }
                    if (System.nanoTime() - deadline > 0) {
                        outcome = DrainOutcome.TIMEOUT;
                        break;
                    }
                }
                if (outcome == DrainOutcome.DRAINED && read == 0) {
                    outcome = DrainOutcome.NOTHING_LEFT;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The client went away or sent a malformed body: the response is what matters.
            outcome = DrainOutcome.ERROR;
            failure = e;
        }
        if (outcome != DrainOutcome.NOTHING_LEFT && outcome != DrainOutcome.DRAINED
                && outcome != DrainOutcome.COMMITTED) {
            closeConnection();
        }
        filter.record(outcome, read);
        if (BodyDrainFilter.LOG.isLoggable(Level.DEBUG)) {
            BodyDrainFilter.LOG.log(Level.DEBUG, "Drain of [{0} {1}] ended [{2}] after [{3}] bytes in [{4}] ms{5}",
                    containerRequest.getMethod(), containerRequest.getRequestURI(), outcome, read,
                    (System.nanoTime() - started) / 1_000_000, failure == null ? "" : ": " + failure);
        }
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
