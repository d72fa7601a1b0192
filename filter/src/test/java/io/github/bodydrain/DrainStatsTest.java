package io.github.bodydrain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

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

    @Test
    void theDrainerLogsAnObserversFailureAndKeepsItsOutcome() {
        Logger jul = Logger.getLogger("io.github.bodydrain.BodyDrainFilter");
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage() + ": " + record.getThrown());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level previous = jul.getLevel();
        jul.addHandler(capture);
        jul.setLevel(Level.FINE);
        stats.observe((outcome, bytes, nanos) -> {
            throw new IllegalStateException("broken observer");
        });
        Drainer drainer = new Drainer(DrainSettings.DEFAULTS, stats, () -> 0);
        try {
            assertEquals(DrainOutcome.ERROR, drainer.end(new NoBody(), new Quiet(), 0, DrainOutcome.ERROR, null));
        } finally {
            jul.removeHandler(capture);
            jul.setLevel(previous);
        }
        assertEquals(1, stats.getStoppedByError());
        assertEquals("A drain observer failed: java.lang.IllegalStateException: broken observer", lines.get(0));
    }

    private static final class NoBody implements BodyInput {
        @Override
        public boolean started() {
            return false;
        }

        @Override
        public boolean finished() {
            return true;
        }

        @Override
        public long declaredRemaining() {
            return 0;
        }

        @Override
        public boolean nonBlocking() {
            return false;
        }

        @Override
        public boolean arrived() {
            return false;
        }

        @Override
        public int discard(byte[] buffer, int max) {
            return -1;
        }

        @Override
        public long discarded() {
            return 0;
        }
    }

    private static final class Quiet implements Exchange {
        @Override
        public boolean awaitsContinue() {
            return false;
        }

        @Override
        public boolean committed() {
            return false;
        }

        @Override
        public void closeConnection() {
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public boolean fullDuplex() {
            return false;
        }

        @Override
        public String describe() {
            return "POST /";
        }
    }
}
