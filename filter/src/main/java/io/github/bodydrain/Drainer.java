package io.github.bodydrain;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * The drain itself, one per filter and shared by its requests: decides whether and how far to
 * read the rest of a body, reads it within the filter's bounds, and carries out what the outcome
 * implies (the connection header, the counter, the log line). Knows nothing of servlets.
 */
final class Drainer {

    /** The logger of the filter, by name, so that one logger configures it all. */
    static final System.Logger LOG = System.getLogger("io.github.bodydrain.BodyDrainFilter");

    static final int DISCARD_SIZE = 8192;

    private final DrainSettings settings;
    private final DrainStats stats;
    private final LongSupplier nanoTime;
    // Shared by every drain of this filter: what is written into it is never read, so concurrent
    // drains may overwrite each other freely and no drain allocates a buffer.
    private final byte[] discardBuffer = new byte[DISCARD_SIZE];
    private final BoundsHit boundsHit;

    Drainer(DrainSettings settings, DrainStats stats) {
        this(settings, stats, System::nanoTime);
    }

    /** With the clock a test sets, so that the time bound is exact to the nanosecond. */
    Drainer(DrainSettings settings, DrainStats stats, LongSupplier nanoTime) {
        this.settings = settings;
        this.stats = stats;
        this.nanoTime = nanoTime;
        this.boundsHit = new BoundsHit(settings);
    }

    DrainSettings settings() {
        return settings;
    }

    /** Drains what is left of the body, blocking in reads where the body allows it; never throws. */
    DrainOutcome drain(BodyInput body, Exchange exchange) {
        return run(body, exchange, nanoTime.getAsLong(), false);
    }

    /** When the drain began: what {@link #resume} measures the time bound from. */
    long start() {
        return nanoTime.getAsLong();
    }

    /**
     * Reads what has arrived of a body that is read without blocking; null while more may come
     * within the bounds, and the caller resumes when it has. Never throws.
     */
    DrainOutcome resume(BodyInput body, Exchange exchange, long started) {
        return run(body, exchange, started, true);
    }

    /**
     * The outcome that needs no read of the body, or null when only reading can tell: a body
     * announced with {@code Expect} and not invited, one read to its end, one declared too long.
     */
    DrainOutcome withoutReading(BodyInput body, Exchange exchange) throws IOException {
        // Decided before the stream is touched: Jetty sends 100 Continue when it is opened.
        if (!body.started() && exchange.awaitsContinue()) {
            return DrainOutcome.EXPECT_CONTINUE;
        }
        if (body.finished()) {
            return DrainOutcome.NOTHING_LEFT;
        }
        return body.declaredRemaining() > settings.maxBytes() ? DrainOutcome.OVER_LIMIT : null;
    }

    /**
     * Ends a drain from outside its reads, as the deadline of a drain that waits for the body, or
     * the container's report that the client failed, ends it; carries out what the outcome implies.
     */
    DrainOutcome end(BodyInput body, Exchange exchange, long started, DrainOutcome outcome, Throwable failure) {
        if (outcome.closesConnection()) {
            exchange.closeConnection();
        }
        long now = nanoTime.getAsLong();
        try {
            stats.record(outcome, body.discarded(), now - started);
        } catch (RuntimeException observerFailed) {
            // The outcome is settled and counted; an observer's failure must not change it.
            LOG.log(System.Logger.Level.DEBUG, "A drain observer failed", observerFailed);
        }
        if (LOG.isLoggable(outcome.logLevel())) {
            LOG.log(outcome.logLevel(), "Drain of [{0}] ended [{1}] after [{2}] bytes in [{3}] ms{4}",
                    exchange.describe(), outcome, Long.toString(body.discarded()),
                    Long.toString((now - started) / 1_000_000),
                    failure == null ? "" : ": " + failure);
        }
        if (outcome == DrainOutcome.OVER_LIMIT || outcome == DrainOutcome.TIMEOUT) {
            boundsHit.note(outcome, now);
        }
        return outcome;
    }

    /**
     * The drains a bound stopped, told at INFO at most once a minute: a bound too small shows
     * without DEBUG logging, and a flood of such drains costs one line a minute.
     */
    static final class BoundsHit {
        static final long INTERVAL_NANOS = 60_000_000_000L;

        private final DrainSettings settings;
        private boolean told;
        private long lastTold;
        private long overLimit;
        private long timedOut;

        BoundsHit(DrainSettings settings) {
            this.settings = settings;
        }

        void note(DrainOutcome outcome, long now) {
            String line;
            synchronized (this) {
                if (outcome == DrainOutcome.OVER_LIMIT) {
                    overLimit++;
                } else {
                    timedOut++;
                }
                if (told && now - lastTold < INTERVAL_NANOS || !LOG.isLoggable(System.Logger.Level.INFO)) {
                    return;
                }
                line = String.format(java.util.Locale.ROOT, "Drains stopped by a bound since the last such line"
                        + " (at most one a minute): [%d] over maxBytes [%d], [%d] past timeoutMs [%d]; each left"
                        + " its connection to be closed. Raise the bound if these are your clients' requests;"
                        + " the DEBUG line of each drain names its request", overLimit, settings.maxBytes(),
                        timedOut, settings.timeoutMs());
                told = true;
                lastTold = now;
                overLimit = 0;
                timedOut = 0;
            }
            LOG.log(System.Logger.Level.INFO, line);
        }
    }

    private DrainOutcome run(BodyInput body, Exchange exchange, long started, boolean resumable) {
        DrainOutcome outcome;
        Exception failure = null;
        try {
            outcome = discardRest(body, exchange, started, resumable);
            if (outcome == null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            // The client went away or sent a malformed body: the response is what matters.
            outcome = DrainOutcome.ERROR;
            failure = e;
        }
        return end(body, exchange, started, outcome, failure);
    }

    private DrainOutcome discardRest(BodyInput body, Exchange exchange, long started, boolean resumable)
            throws IOException {
        DrainOutcome decided = withoutReading(body, exchange);
        if (decided != null) {
            return decided;
        }
        long declared = body.declaredRemaining();
        boolean arrivedOnly = resumable || exchange.committed() || body.nonBlocking();
        long deadline = started + settings.timeoutNanos();
        while (true) {
            long drained = body.discarded();
            if (nanoTime.getAsLong() - deadline > 0) {
                return DrainOutcome.TIMEOUT;
            }
            // At the declared end a blocking read returns -1 at once: it tells the container the
            // body ended. A read without blocking may only follow a ready stream.
            boolean readsTheEnd = drained == declared && !body.nonBlocking();
            if (arrivedOnly && !readsTheEnd && !body.arrived()) {
                if (body.finished()) {
                    return ended(drained);
                }
                return resumable ? null : DrainOutcome.COMMITTED;
            }
            // One past the limit tells a body of exactly maxBytes from a longer one.
            int n = body.discard(discardBuffer, (int) Math.min(DISCARD_SIZE, settings.maxBytes() - drained + 1));
            if (n < 0) {
                return ended(drained);
            }
            // A read of 0 bytes is no progress, and no end: the time bound still holds.
            if (body.discarded() > settings.maxBytes()) {
                return DrainOutcome.OVER_LIMIT;
            }
        }
    }

    private static DrainOutcome ended(long drained) {
        return drained == 0 ? DrainOutcome.NOTHING_LEFT : DrainOutcome.DRAINED;
    }
}
