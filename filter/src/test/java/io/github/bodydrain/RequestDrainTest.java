package io.github.bodydrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One request's drain: at most once, and a second caller waits for the first. */
@Timeout(30)
class RequestDrainTest {

    private final DrainStats stats = new DrainStats();
    private final RequestDrain drain = new RequestDrain(new Drainer(DrainSettings.DEFAULTS, stats));
    private final CountDownLatch reading = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Gate body = new Gate();

    @Test
    void aCallerWhileTheDrainReadsWaitsForItToEnd() throws Exception {
        drain.bind(body, new Quiet());
        CompletableFuture<Void> container = CompletableFuture.runAsync(drain::atEnd);
        assertTrue(reading.await(10, TimeUnit.SECONDS));
        DrainOutcome[] seen = new DrainOutcome[1];
        Thread application = new Thread(() -> {
            drain.atEnd();
            seen[0] = drain.outcome();
        });
        application.start();
        while (application.getState() != Thread.State.WAITING) {
            Thread.onSpinWait(); // until it waits for the lock the drain holds
        }
        assertNull(seen[0]);
        release.countDown();
        application.join(10_000);
        assertEquals(DrainOutcome.DRAINED, seen[0], "returns once the drain is done");
        container.get(10, TimeUnit.SECONDS);
        assertEquals(1, stats.getDrainedRequests());
        assertEquals(1, body.reads - 1, "one read of data, one of the end");
    }

    @Test
    void theBodyIsTheApplicationsOnceItReadsWhileResponding() throws IOException {
        release.countDown();
        drain.bind(body, new Quiet());
        drain.writing();
        drain.reading();
        drain.beforeCommit();
        assertNull(drain.outcome());
        assertFalse(drain.isDone());
        drain.atEnd();
        assertTrue(drain.isDone());
    }

    @Test
    void aReadAfterADiscardThrows() {
        release.countDown();
        drain.bind(body, new Quiet());
        drain.beforeCommit();
        IOException e = assertThrows(IOException.class, drain::reading);
        assertEquals(RequestDrain.READ_AFTER_DISCARD, e.getMessage());
    }

    /** A body of one byte whose first read waits until the test lets it go. */
    private final class Gate implements BodyInput {
        int reads;

        @Override
        public long declaredRemaining() {
            return 1;
        }

        @Override
        public boolean started() {
            return false;
        }

        @Override
        public boolean finished() {
            return false;
        }

        @Override
        public boolean nonBlocking() {
            return false;
        }

        @Override
        public boolean arrived() {
            return true;
        }

        @Override
        public int discard(byte[] buffer, int max) throws IOException {
            if (++reads > 1) {
                return -1;
            }
            reading.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return 1;
        }

        @Override
        public long discarded() {
            return reads > 0 ? 1 : 0;
        }
    }

    private static final class Quiet implements Exchange {
        @Override
        public boolean committed() {
            return false;
        }

        @Override
        public boolean awaitsContinue() {
            return false;
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
        }

        @Override
        public String describe() {
            return "POST /";
        }
    }
}
