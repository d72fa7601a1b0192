package io.github.bodydrain;

/**
 * Told of every drain as it ends, beside the counters: what a metrics library records as a timer
 * and a distribution (the Spring Boot starter's Micrometer binder is one). See
 * {@link DrainStats#observe(DrainObserver)}.
 */
@FunctionalInterface
public interface DrainObserver {

    /**
     * A drain that had a body left to decide about has ended. Called on the thread that ended it,
     * a request thread or the deadline timer: it must return quickly. What it throws is dropped.
     *
     * @param outcome how it ended (never {@link DrainOutcome#NOTHING_LEFT})
     * @param bytes the body bytes it read and discarded
     * @param nanos how long it took, from the drain's start to its end
     */
    void drainEnded(DrainOutcome outcome, long bytes, long nanos);
}
