package io.github.bodydrain;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link BodyDrainFilter} has done since it was created: the requests with a body it saw
 * (the denominator), counters that only grow, one per {@link DrainOutcome}, the body bytes the
 * drains discarded, and how long the drains took. A read-only view for JMX and metrics binders,
 * with {@link #observe} for those that record each drain.
 */
public final class DrainStats implements DrainStatsMXBean {

    /**
     * The upper bounds, in milliseconds, of the drain-time histogram's buckets; a last bucket holds
     * the drains that took longer. From a local copy (under 1 ms) to the default {@code timeoutMs}.
     */
    public static final List<Long> DRAIN_TIME_BOUNDS_MS = List.of(1L, 10L, 100L, 1_000L, 5_000L);

    private final LongAdder requestsWithBody = new LongAdder();
    private final LongAdder[] requests = adders(DrainOutcome.values().length);
    private final LongAdder drainedBytes = new LongAdder();
    private final LongAdder[] drainTimes = adders(DRAIN_TIME_BOUNDS_MS.size() + 1);
    private final List<DrainObserver> observers = new CopyOnWriteArrayList<>();

    DrainStats() {
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    void sawBody() {
        requestsWithBody.increment();
    }

    /**
     * Counts a drain and tells the observers; every observer is told even if one fails, and the
     * first failure is thrown after, for the caller to log.
     */
    void record(DrainOutcome outcome, long bytes, long nanos) {
        requests[outcome.ordinal()].increment();
        drainedBytes.add(bytes);
        if (outcome == DrainOutcome.NOTHING_LEFT) {
            return; // no drain: the application or the container had read it all
        }
        drainTimes[bucket(TimeUnit.NANOSECONDS.toMillis(nanos))].increment();
        RuntimeException failed = null;
        for (DrainObserver observer : observers) {
            try {
                observer.drainEnded(outcome, bytes, nanos);
            } catch (RuntimeException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private static int bucket(long millis) {
        for (int i = 0; i < DRAIN_TIME_BOUNDS_MS.size(); i++) {
            if (millis < DRAIN_TIME_BOUNDS_MS.get(i)) {
                return i;
            }
        }
        return DRAIN_TIME_BOUNDS_MS.size();
    }

    /**
     * Tells {@code observer} of every drain that ends from now on.
     *
     * @param observer told of each drain as it ends
     */
    public void observe(DrainObserver observer) {
        observers.add(observer);
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
    public long getRequestsWithBody() {
        return requestsWithBody.sum();
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
    public long[] getDrainTimeHistogram() {
        long[] counts = new long[drainTimes.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = drainTimes[i].sum();
        }
        return counts;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("DrainStats[with_body=").append(getRequestsWithBody()).append(", ");
        for (DrainOutcome outcome : DrainOutcome.values()) {
            text.append(outcome.tag()).append('=').append(count(outcome)).append(", ");
        }
        return text.append("bytes=").append(getDrainedBytes()).append(']').toString();
    }
}
