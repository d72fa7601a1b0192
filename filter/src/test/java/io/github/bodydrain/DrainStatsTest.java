package io.github.bodydrain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The counters beside the outcomes: the drain-time histogram and the observers. */
class DrainStatsTest {

    private static final long MS = 1_000_000;

    private final DrainStats stats = new DrainStats();

    @Test
    void eachDrainFallsInTheBucketUnderItsFirstBoundAbove() {
        for (long millis : new long[] {0, 1, 9, 10, 99, 100, 999, 1_000, 4_999, 5_000, 60_000}) {
            stats.record(DrainOutcome.DRAINED, 10, millis * MS + 1);
        }
        assertArrayEquals(new long[] {1, 2, 2, 2, 2, 2}, stats.getDrainTimeHistogram());
        assertEquals(DrainStats.DRAIN_TIME_BOUNDS_MS.size() + 1, stats.getDrainTimeHistogram().length);
    }

    @Test
    void nothingLeftIsCountedButNeitherTimedNorObserved() {
        List<DrainOutcome> told = new ArrayList<>();
        stats.observe((outcome, bytes, nanos) -> told.add(outcome));
        stats.record(DrainOutcome.NOTHING_LEFT, 0, 0);
        stats.record(DrainOutcome.TIMEOUT, 500, 5_000 * MS);
        assertEquals(1, stats.count(DrainOutcome.NOTHING_LEFT));
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1}, stats.getDrainTimeHistogram());
        assertEquals(List.of(DrainOutcome.TIMEOUT), told);
    }

    @Test
    void everyObserverIsToldEvenAfterOneFailsAndTheFailureComesAfter() {
        List<Long> told = new ArrayList<>();
        IllegalStateException broken = new IllegalStateException("broken observer");
        stats.observe((outcome, bytes, nanos) -> {
            throw broken;
        });
        stats.observe((outcome, bytes, nanos) -> told.add(bytes));
        assertSame(broken, assertThrows(IllegalStateException.class,
                () -> stats.record(DrainOutcome.DRAINED, 42, MS)));
        assertEquals(List.of(42L), told);
        assertEquals(1, stats.getDrainedRequests(), "counted before the observers are told");
    }
}
