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

    Drainer(DrainSettings settings, DrainStats stats) {
        this(settings, stats, System::nanoTime);
    }

    /** With the clock a test sets, so that the time bound is exact to the nanosecond. */
    Drainer(DrainSettings settings, DrainStats stats, LongSupplier nanoTime) {
        this.settings = settings;
        this.stats = stats;
        this.nanoTime = nanoTime;
    }

    DrainSettings settings() {
        return settings;
    }

    /** Drains what is left of the body; never throws. */
    DrainOutcome drain(BodyInput body, Exchange exchange) {
        long started = nanoTime.getAsLong();
        DrainOutcome outcome;
        Exception failure = null;
        try {
            outcome = discardRest(body, exchange, started);
        } catch (IOException | RuntimeException e) {
            // The client went away or sent a malformed body: the response is what matters.
            outcome = DrainOutcome.ERROR;
            failure = e;
        }
        if (outcome.closesConnection()) {
            exchange.closeConnection();
        }
        stats.record(outcome, body.discarded());
        if (LOG.isLoggable(outcome.logLevel())) {
            LOG.log(outcome.logLevel(), "Drain of [{0}] ended [{1}] after [{2}] bytes in [{3}] ms{4}",
                    exchange.describe(), outcome, Long.toString(body.discarded()),
                    Long.toString((nanoTime.getAsLong() - started) / 1_000_000),
                    failure == null ? "" : ": " + failure);
        }
        return outcome;
    }

    private DrainOutcome discardRest(BodyInput body, Exchange exchange, long started) throws IOException {
        // Decided before the stream is touched: Jetty sends 100 Continue when it is opened.
        if (!body.started() && exchange.awaitsContinue()) {
            return DrainOutcome.EXPECT_CONTINUE;
        }
        if (body.finished()) {
            return DrainOutcome.NOTHING_LEFT;
        }
        long declared = body.declaredRemaining();
        if (declared > settings.maxBytes()) {
            return DrainOutcome.OVER_LIMIT;
        }
        boolean arrivedOnly = exchange.committed() || body.nonBlocking();
        long deadline = started + settings.timeoutNanos();
        long drained = 0;
        while (true) {
            // At the declared end a read returns -1 at once: it tells the container the body ended.
            boolean atDeclaredEnd = drained == declared;
            if (arrivedOnly && !atDeclaredEnd && !body.arrived()) {
                return body.finished() ? ended(drained) : DrainOutcome.COMMITTED;
            }
            // One past the limit tells a body of exactly maxBytes from a longer one.
            int n = body.discard(discardBuffer, (int) Math.min(DISCARD_SIZE, settings.maxBytes() - drained + 1));
            if (n < 0) {
                return ended(drained);
            }
            // A read of 0 bytes is no progress, and no end: the time bound still holds.
            drained += n;
            if (drained > settings.maxBytes()) {
                return DrainOutcome.OVER_LIMIT;
            }
            if (nanoTime.getAsLong() - deadline > 0) {
                return DrainOutcome.TIMEOUT;
            }
        }
    }

    private static DrainOutcome ended(long drained) {
        return drained == 0 ? DrainOutcome.NOTHING_LEFT : DrainOutcome.DRAINED;
    }
}
