package io.github.bodydrain;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link BodyDrainFilter} has done since it was created: counters that only grow, one per
 * {@link DrainOutcome}, and the body bytes the drains discarded. A read-only view for JMX and
 * metrics binders. Requests without a body are not counted.
 */
public final class DrainStats implements DrainStatsMXBean {
    private final LongAdder[] requests = new LongAdder[DrainOutcome.values().length];
    private final LongAdder drainedBytes = new LongAdder();

    DrainStats() {
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new LongAdder();
        }
    }

    void record(DrainOutcome outcome, long bytes) {
        requests[outcome.ordinal()].increment();
        drainedBytes.add(bytes);
    }

    /**
     * {@return the requests with a body whose drain ended with this outcome}
     *
     * @param outcome how the drains ended
     */
    public long count(DrainOutcome outcome) {
        return requests[outcome.ordinal()].sum();
    }

    @Override
    public long getDrainedRequests() {
        return count(DrainOutcome.DRAINED);
    }

    @Override
    public long getDrainedBytes() {
        return drainedBytes.sum();
    }

    @Override
    public long getSkippedOverLimit() {
        return count(DrainOutcome.OVER_LIMIT);
    }

    @Override
    public long getStoppedByTimeout() {
        return count(DrainOutcome.TIMEOUT);
    }

    @Override
    public long getStoppedByError() {
        return count(DrainOutcome.ERROR);
    }

    @Override
    public long getSkippedExpectContinue() {
        return count(DrainOutcome.EXPECT_CONTINUE);
    }

    @Override
    public long getCommittedBeforeDrain() {
        return count(DrainOutcome.COMMITTED);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("DrainStats[");
        for (DrainOutcome outcome : DrainOutcome.values()) {
            text.append(outcome.tag()).append('=').append(count(outcome)).append(", ");
        }
        return text.append("bytes=").append(getDrainedBytes()).append(']').toString();
    }
}
