package io.github.bodydrain;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link BodyDrainFilter} has done since it was created: a read-only view of counters
 * that only grow, for JMX or metrics binders. Requests that had no unread body are not counted.
 */
public final class DrainStats implements DrainStatsMXBean {
    private final LongAdder drainedRequests = new LongAdder();
    private final LongAdder drainedBytes = new LongAdder();
    private final LongAdder skippedOverLimit = new LongAdder();
    private final LongAdder stoppedByTimeout = new LongAdder();
    private final LongAdder stoppedByError = new LongAdder();
    private final LongAdder skippedExpectContinue = new LongAdder();
    private final LongAdder committedBeforeDrain = new LongAdder();

    DrainStats() {
    }

    void record(DrainOutcome outcome, long bytes) {
        drainedBytes.add(bytes);
        switch (outcome) {
            case DRAINED -> drainedRequests.increment();
            case OVER_LIMIT -> skippedOverLimit.increment();
            case TIMEOUT -> stoppedByTimeout.increment();
            case ERROR -> stoppedByError.increment();
            case EXPECT_CONTINUE -> skippedExpectContinue.increment();
            case COMMITTED -> committedBeforeDrain.increment();
            case NOTHING_LEFT -> { }
        }
    }

    /** Requests whose unread body was read to its end. */
    @Override
    public long getDrainedRequests() {
        return drainedRequests.sum();
    }

    /** Body bytes read and discarded by the filter, whatever the outcome (characters for a reader). */
    @Override
    public long getDrainedBytes() {
        return drainedBytes.sum();
    }

    /** Requests whose unread body exceeded {@code maxBytes}: not read at all, or cut short. */
    @Override
    public long getSkippedOverLimit() {
        return skippedOverLimit.sum();
    }

    /** Drains stopped by {@code timeoutMs}. */
    @Override
    public long getStoppedByTimeout() {
        return stoppedByTimeout.sum();
    }

    /** Drains stopped by a failed read: the client went away or the body was malformed. */
    @Override
    public long getStoppedByError() {
        return stoppedByError.sum();
    }

    /** Requests with {@code Expect: 100-continue} whose body nobody had asked for. */
    @Override
    public long getSkippedExpectContinue() {
        return skippedExpectContinue.sum();
    }

    /** Requests whose response committed before the drain and whose body had not all arrived. */
    @Override
    public long getCommittedBeforeDrain() {
        return committedBeforeDrain.sum();
    }

    @Override
    public String toString() {
        return "DrainStats[drainedRequests=" + getDrainedRequests() + ", drainedBytes=" + getDrainedBytes()
                + ", skippedOverLimit=" + getSkippedOverLimit() + ", stoppedByTimeout=" + getStoppedByTimeout()
                + ", stoppedByError=" + getStoppedByError() + ", skippedExpectContinue="
                + getSkippedExpectContinue() + ", committedBeforeDrain=" + getCommittedBeforeDrain() + "]";
    }
}
