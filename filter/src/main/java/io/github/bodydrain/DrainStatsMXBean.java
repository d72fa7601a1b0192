package io.github.bodydrain;

/**
 * The filter's counters as JMX attributes; registered when the filter's {@code jmxEnabled}
 * init parameter is {@code true}. See {@link DrainStats} for what each counts.
 */
public interface DrainStatsMXBean {

    /**
     * {@return the requests with a body the filter saw: the denominator of the counts below}
     * Most of them the application read itself, so that nothing was left to drain.
     */
    long getRequestsWithBody();

    /** {@return the requests whose unread body was read to its end} */
    long getDrainedRequests();

    /** {@return the body bytes read and discarded by the filter, whatever the outcome} */
    long getDrainedBytes();

    /** {@return the requests whose unread body exceeded {@code maxBytes}: not read at all, or cut short} */
    long getSkippedOverLimit();

    /** {@return the drains stopped by {@code timeoutMs}} */
    long getStoppedByTimeout();

    /** {@return the drains stopped by a failed read: the client went away or the body was malformed} */
    long getStoppedByError();

    /** {@return the requests with {@code Expect: 100-continue} whose body nobody had asked for} */
    long getSkippedExpectContinue();

    /** {@return the requests whose response committed before the drain and whose body had not all arrived} */
    long getCommittedBeforeDrain();

    /**
     * {@return how long the drains took: the count of drains under each bound of
     * {@link DrainStats#DRAIN_TIME_BOUNDS_MS} (and at or over the one before), then of those
     * that took longer}
     */
    long[] getDrainTimeHistogram();
}
