package io.github.bodydrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain's decision and its bounded read loop, on a body and an exchange that are plain data. */
class DrainerTest {

    private static final int LIMIT = 100_000;

    private final DrainStats stats = new DrainStats();
    private final Drainer drainer = new Drainer(settings(LIMIT, 60_000), stats);
    private final Body body = new Body();
    private final Talk exchange = new Talk();

    private static DrainSettings settings(long maxBytes, long timeoutMs) {
        return DrainSettings.DEFAULTS.toBuilder().maxBytes(maxBytes).timeoutMs(timeoutMs).build();
    }

    private DrainOutcome drain() {
        return drainer.drain(body, exchange);
    }

    @Test
    void anUnreadBodyAnnouncedWithExpectIsNeitherOpenedNorRead() {
        body.declared(1000);
        exchange.awaitsContinue = true;
        assertEquals(DrainOutcome.EXPECT_CONTINUE, drain());
        assertEquals(0, body.calls, "not even isFinished(): opening the stream solicits the body on Jetty");
        assertTrue(exchange.closed);
    }

    @Test
    void aBodyAnnouncedWithExpectThatTheApplicationStartedIsDrained() {
        body.declared(1000);
        body.started = true;
        exchange.awaitsContinue = true;
        assertEquals(DrainOutcome.DRAINED, drain());
        assertEquals(1000, body.discarded());
        assertFalse(exchange.closed);
    }

    @Test
    void aFinishedBodyIsNotRead() {
        body.declared(1000);
        body.finished = true;
        assertEquals(DrainOutcome.NOTHING_LEFT, drain());
        assertEquals(0, body.reads);
        assertFalse(exchange.closed);
    }

    @Test
    void aDeclaredRemainderOverTheLimitIsNotRead() {
        body.declared(LIMIT + 1);
        assertEquals(DrainOutcome.OVER_LIMIT, drain());
        assertEquals(0, body.reads);
        assertTrue(exchange.closed);
    }

    @Test
    void aDeclaredRemainderOfExactlyTheLimitIsDrained() {
        body.declared(LIMIT);
        assertEquals(DrainOutcome.DRAINED, drain());
        assertEquals(LIMIT, body.discarded());
        assertFalse(exchange.closed);
    }

    @Test
    void anUndeclaredBodyOfExactlyTheLimitIsDrained() {
        body.chunked(LIMIT);
        assertEquals(DrainOutcome.DRAINED, drain());
        assertEquals(LIMIT, body.discarded());
    }

    @Test
    void anUndeclaredBodyOverTheLimitStopsOneBytePastIt() {
        body.chunked(3 * LIMIT);
        assertEquals(DrainOutcome.OVER_LIMIT, drain());
        assertEquals(LIMIT + 1, body.discarded());
        assertTrue(exchange.closed);
    }

    @Test
    void aLimitOfZeroReadsOneByteToTellEmptyFromNot() {
        Drainer none = new Drainer(settings(0, 60_000), stats);
        body.chunked(5);
        assertEquals(DrainOutcome.OVER_LIMIT, none.drain(body, exchange));
        assertEquals(1, body.discarded());
    }

    @Test
    void readsAreAtMostTheDiscardBuffer() {
        body.chunked(LIMIT);
        drain();
        assertEquals(Drainer.DISCARD_SIZE, body.largestRead);
    }

    @Test
    void aBodyThatWasAllReadAlreadyEndsWithNothingLeft() {
        body.chunked(0);
        assertEquals(DrainOutcome.NOTHING_LEFT, drain());
        assertEquals(1, body.reads, "one read, to -1");
    }

    @Test
    void afterTheCommitOnlyWhatHasArrivedIsRead() {
        body.declared(50_000);
        body.arrived = 20_000;
        exchange.committed = true;
        assertEquals(DrainOutcome.COMMITTED, drain());
        assertEquals(20_000, body.discarded());
        assertFalse(exchange.closed, "the header has gone out");
    }

    @Test
    void afterTheCommitABodyThatHasAllArrivedIsDrained() {
        body.chunked(50_000);
        exchange.committed = true;
        body.finishesAtEnd = true;
        assertEquals(DrainOutcome.DRAINED, drain());
        assertEquals(50_000, body.discarded());
    }

    @Test
    void afterTheCommitABodyReadToItsDeclaredEndGetsTheReadThatEndsIt() {
        body.declared(0);
        body.arrived = 0;
        exchange.committed = true;
        assertEquals(DrainOutcome.NOTHING_LEFT, drain());
        assertEquals(1, body.reads, "one read that returns -1 at once");
    }

    @Test
    void aNonBlockingBodyIsReadOnlyAsFarAsItIsReady() {
        body.declared(50_000);
        body.arrived = 10_000;
        body.nonBlocking = true;
        assertEquals(DrainOutcome.COMMITTED, drain());
        assertEquals(10_000, body.discarded());
    }

    @Test
    void theTimeBoundHoldsToTheNanosecond() {
        long[] now = {0};
        Drainer timed = new Drainer(settings(LIMIT, 20), stats, () -> now[0]);
        body.chunked(LIMIT);
        body.bytesPerRead = 10;
        body.onRead = () -> now[0] += 1_000_000; // each read takes a millisecond
        assertEquals(DrainOutcome.TIMEOUT, timed.drain(body, exchange));
        assertEquals(21, body.reads, "the read that ends exactly at the deadline is still allowed");
        assertEquals(210, body.discarded());
        assertTrue(exchange.closed);
    }

    @Test
    void aDrainThatWaitsReadsWhatHasArrivedThenResumesToTheEnd() {
        long[] now = {50_000_000};
        Drainer waiting = new Drainer(settings(LIMIT, 20), stats, () -> now[0]);
        body.chunked(50_000);
        body.nonBlocking = true;
        body.finishesAtEnd = true;
        body.arrived = 10_000;
        long started = waiting.start();
        assertEquals(null, waiting.resume(body, exchange, started), "more is to come: wait, read nothing more");
        assertEquals(10_000, body.discarded());
        assertEquals(0, stats.count(DrainOutcome.DRAINED) + stats.count(DrainOutcome.COMMITTED));
        body.arrived = Long.MAX_VALUE;
        now[0] = 70_000_000; // at the deadline, measured from the start
        assertEquals(DrainOutcome.DRAINED, waiting.resume(body, exchange, started));
        assertEquals(50_000, body.discarded());
        assertEquals(1, stats.count(DrainOutcome.DRAINED));
        assertFalse(exchange.closed);
    }

    @Test
    void aDrainThatWaitsPastItsDeadlineReadsNoMore() {
        long[] now = {0};
        Drainer waiting = new Drainer(settings(LIMIT, 20), stats, () -> now[0]);
        body.chunked(50_000);
        body.nonBlocking = true;
        body.arrived = 10_000;
        long started = waiting.start();
        assertEquals(null, waiting.resume(body, exchange, started));
        body.arrived = Long.MAX_VALUE;
        now[0] = 20_000_001;
        int reads = body.reads;
        assertEquals(DrainOutcome.TIMEOUT, waiting.resume(body, exchange, started));
        assertEquals(reads, body.reads);
        assertTrue(exchange.closed);
    }

    @Test
    void aDrainEndedFromOutsideIsCountedAndClosesTheConnection() {
        body.chunked(50_000);
        assertEquals(DrainOutcome.TIMEOUT, drainer.end(body, exchange, drainer.start(), DrainOutcome.TIMEOUT, null));
        assertEquals(1, stats.count(DrainOutcome.TIMEOUT));
        assertTrue(exchange.closed);
    }

    @Test
    void whatNeedsNoReadIsDecidedWithoutOne() throws IOException {
        body.declared(LIMIT);
        assertEquals(null, drainer.withoutReading(body, exchange), "only reading can tell");
        body.declared(LIMIT + 1);
        assertEquals(DrainOutcome.OVER_LIMIT, drainer.withoutReading(body, exchange));
        body.finished = true;
        assertEquals(DrainOutcome.NOTHING_LEFT, drainer.withoutReading(body, exchange));
        exchange.awaitsContinue = true;
        assertEquals(DrainOutcome.EXPECT_CONTINUE, drainer.withoutReading(body, exchange));
        assertEquals(0, body.reads);
    }

    @Test
    void aReadOfNothingIsNotTheEnd() {
        body.chunked(1000);
        body.zeroReads = 3;
        assertEquals(DrainOutcome.DRAINED, drain());
        assertEquals(1000, body.discarded());
    }

    @Test
    void oneDebugLineADrainWithItsTimeAndWhatFailed() {
        long[] now = {5_000_000_000L};
        Drainer timed = new Drainer(settings(LIMIT, 60_000), stats, () -> now[0]);
        body.declared(50_000);
        body.failAt = 10_000;
        body.bytesPerRead = 5_000;
        body.onRead = () -> now[0] += 1_000_000;
        java.util.List<java.util.logging.LogRecord> records = logged(() -> {
            timed.drain(body, exchange);
            timed.drain(new Body(), exchange);
        });
        assertEquals(1, records.size(), "nothing left is logged at TRACE only");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {0, 1, 0, 0, 0, 0}, stats.getDrainTimeHistogram(),
                "the 2 ms drain, timed from its start");
        String line = java.text.MessageFormat.format(records.get(0).getMessage(), records.get(0).getParameters());
        assertEquals("Drain of [POST /upload] ended [ERROR] after [10000] bytes in [2] ms: java.io.IOException:"
                + " client went away", line);
    }

    /** A bound too small shows at INFO, once a minute at most, with what it stopped since the last line. */
    @Test
    void drainsStoppedByABoundAreToldAtInfoAtMostOnceAMinute() {
        long[] now = {0};
        Drainer timed = new Drainer(settings(LIMIT, 60_000), stats, () -> now[0]);
        java.util.List<String> lines = new java.util.ArrayList<>(infoLines(logged(() -> {
            for (long second : new long[] {40, 41, 42}) {
                now[0] = second * 1_000_000_000L;
                Body over = new Body();
                over.declared(LIMIT + 1);
                timed.drain(over, exchange);
            }
            now[0] = 70_000_000_000L;
            timed.end(new Body(), exchange, now[0], DrainOutcome.TIMEOUT, null);
            now[0] = 99_999_000_000L;
            timed.drain(new Body(), exchange); // nothing left: no bound, no line
            Body drained = new Body();
            drained.declared(10);
            timed.drain(drained, exchange);
        })));
        assertEquals(1, lines.size(), lines::toString);
        lines.addAll(infoLines(logged(() -> {
            now[0] = 100_000_000_000L; // a minute after the first line, to the nanosecond
            Body over = new Body();
            over.declared(LIMIT + 1);
            timed.drain(over, exchange);
        })));
        assertEquals(java.util.List.of(
                "Drains stopped by a bound since the last such line (at most one a minute): [1] over maxBytes [100000],"
                        + " [0] past timeoutMs [60000]; each left its connection to be closed. Raise the bound if these"
                        + " are your clients' requests; the DEBUG line of each drain names its request",
                "Drains stopped by a bound since the last such line (at most one a minute): [3] over maxBytes [100000],"
                        + " [1] past timeoutMs [60000]; each left its connection to be closed. Raise the bound if these"
                        + " are your clients' requests; the DEBUG line of each drain names its request"), lines);
    }

    @Test
    void anObserversFailureIsLoggedAndTheOutcomeKept() {
        stats.observe((outcome, bytes, nanos) -> {
            throw new IllegalStateException("broken observer");
        });
        Drainer timed = new Drainer(DrainSettings.DEFAULTS, stats, () -> 0);
        DrainOutcome[] ended = new DrainOutcome[1];
        java.util.List<java.util.logging.LogRecord> records =
                logged(() -> ended[0] = timed.end(new Body(), exchange, 0, DrainOutcome.ERROR, null));
        assertEquals(DrainOutcome.ERROR, ended[0]);
        assertEquals(1, stats.getStoppedByError());
        java.util.logging.LogRecord failed = records.get(0);
        assertEquals("A drain observer failed: java.lang.IllegalStateException: broken observer",
                failed.getMessage() + ": " + failed.getThrown());
    }

    /** The filter's log records, its logger at FINE, while {@code action} runs. */
    private static java.util.List<java.util.logging.LogRecord> logged(Runnable action) {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.github.bodydrain.BodyDrainFilter");
        java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Level previous = jul.getLevel();
        jul.addHandler(capture);
        jul.setLevel(java.util.logging.Level.FINE);
        try {
            action.run();
        } finally {
            jul.removeHandler(capture);
            jul.setLevel(previous);
        }
        return records;
    }

    private static java.util.List<String> infoLines(java.util.List<java.util.logging.LogRecord> records) {
        return records.stream().filter(r -> r.getLevel() == java.util.logging.Level.INFO)
                .map(java.util.logging.LogRecord::getMessage).toList();
    }

    @Test
    void aFailedReadEndsTheDrainQuietly() {
        body.declared(50_000);
        body.failAt = 10_000;
        assertEquals(DrainOutcome.ERROR, drain());
        assertTrue(exchange.closed);
    }

    @Test
    void aRuntimeFailureEndsTheDrainQuietly() {
        body.declared(50_000);
        body.failWith = new IllegalStateException("container");
        assertEquals(DrainOutcome.ERROR, drain());
        assertTrue(exchange.closed);
    }

    @Test
    void everyDrainIsCountedOnceWithItsBytes() {
        body.chunked(1000);
        drain();
        Body over = new Body();
        over.declared(LIMIT + 1);
        drainer.drain(over, exchange);
        assertEquals(1, stats.count(DrainOutcome.DRAINED));
        assertEquals(1, stats.count(DrainOutcome.OVER_LIMIT));
        assertEquals(1000, stats.getDrainedBytes());
    }

    @ParameterizedTest
    @EnumSource(DrainOutcome.class)
    void onlyAnOutcomeThatMayLeaveBytesBehindClosesTheConnection(DrainOutcome outcome) {
        boolean leavesBytes = switch (outcome) {
            case OVER_LIMIT, TIMEOUT, ERROR, EXPECT_CONTINUE -> true;
            case NOTHING_LEFT, DRAINED, COMMITTED -> false;
        };
        assertEquals(leavesBytes, outcome.closesConnection());
        assertEquals(outcome.name().toLowerCase(java.util.Locale.ROOT), outcome.tag());
        assertEquals(outcome == DrainOutcome.NOTHING_LEFT ? System.Logger.Level.TRACE : System.Logger.Level.DEBUG,
                outcome.logLevel());
    }

    /** A body of plain numbers: how long, how much has arrived, and what reading it does. */
    private static final class Body implements BodyInput {
        long declared = -1;
        long length;
        long arrived = Long.MAX_VALUE;
        long failAt = Long.MAX_VALUE;
        RuntimeException failWith;
        boolean started;
        boolean finished;
        boolean finishesAtEnd;
        boolean nonBlocking;
        int bytesPerRead = Integer.MAX_VALUE;
        int zeroReads;
        Runnable onRead = () -> { };
        long position;
        long discarded;
        int reads;
        int calls;
        int largestRead;

        void declared(long bytes) {
            declared = bytes;
            length = bytes;
        }

        void chunked(long bytes) {
            length = bytes;
        }

        @Override
        public long declaredRemaining() {
            calls++;
            return declared < 0 ? -1 : declared - position;
        }

        @Override
        public boolean started() {
            return started;
        }

        @Override
        public boolean finished() {
            calls++;
            return finished || (finishesAtEnd && position >= length);
        }

        @Override
        public boolean nonBlocking() {
            return nonBlocking;
        }

        @Override
        public boolean arrived() {
            calls++;
            return position < Math.min(arrived, length);
        }

        @Override
        public int discard(byte[] buffer, int max) throws IOException {
            calls++;
            reads++;
            largestRead = Math.max(largestRead, max);
            if (failWith != null) {
                throw failWith;
            }
            if (position >= length) {
                return -1;
            }
            if (position >= failAt) {
                throw new IOException("client went away");
            }
            onRead.run();
            if (zeroReads > 0) {
                zeroReads--;
                return 0;
            }
            int n = (int) Math.min(Math.min(max, bytesPerRead), Math.min(length, arrived) - position);
            position += n;
            discarded += n;
            return n;
        }

        @Override
        public long discarded() {
            return discarded;
        }
    }

    private static final class Talk implements Exchange {
        boolean committed;
        boolean awaitsContinue;
        boolean closed;

        @Override
        public boolean committed() {
            return committed;
        }

        @Override
        public boolean awaitsContinue() {
            return awaitsContinue;
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
        public void closeConnection() {
            closed = true;
        }

        @Override
        public String describe() {
            return "POST /upload";
        }
    }
}
