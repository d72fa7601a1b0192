package io.github.bodydrain;

/**
 * The filter's counters as JMX attributes; registered when the filter's {@code jmxEnabled}
 * init parameter is {@code true}. See {@link DrainStats} for what each counts.
 */
public interface DrainStatsMXBean {

    long getDrainedRequests();

    long getDrainedBytes();

    long getSkippedOverLimit();

    long getStoppedByTimeout();

    long getStoppedByError();

    long getSkippedExpectContinue();

    long getCommittedBeforeDrain();
}
