package io.github.bodydrain;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A filter's deadlines: each passes once, on the timer's thread at its time, unless cancelled;
 * at close every pending one passes at once and the thread ends, so that no thread of the
 * application outlives the filter and holds its class loader (Tomcat warns of a leak).
 */
class DeadlinesTest {

    private final Deadlines deadlines = new Deadlines();

    @Test
    void aDeadlinePassesOnTheTimersThreadAtItsTime() throws Exception {
        BlockingQueue<Thread> ranOn = new ArrayBlockingQueue<>(1);
        deadlines.schedule(() -> ranOn.add(Thread.currentThread()), TimeUnit.MILLISECONDS.toNanos(10));
        Thread timer = ranOn.poll(5, TimeUnit.SECONDS);
        assertNotNull(timer, "the deadline never passed");
        assertEquals("body-drain-deadlines", timer.getName());
        assertTrue(timer.isDaemon(), "a timer thread never keeps a JVM alive");
        deadlines.close();
    }

    @Test
    void atCloseEveryPendingDeadlinePassesAtOnceAndTheThreadEnds() throws Exception {
        BlockingQueue<Thread> timer = new ArrayBlockingQueue<>(1);
        deadlines.schedule(() -> timer.add(Thread.currentThread()), 0);
        Thread thread = timer.poll(5, TimeUnit.SECONDS);
        assertNotNull(thread);
        AtomicInteger passed = new AtomicInteger();
        deadlines.schedule(passed::incrementAndGet, TimeUnit.HOURS.toNanos(1));
        deadlines.schedule(passed::incrementAndGet, TimeUnit.HOURS.toNanos(1));

        deadlines.close();

        assertEquals(2, passed.get(), "the pending deadlines passed at close");
        assertFalse(thread.isAlive(), "the timer's thread outlived close");
        assertThrows(RejectedExecutionException.class, () -> deadlines.schedule(passed::incrementAndGet, 0));
    }

    @Test
    void aCancelledDeadlineNeverPasses() throws Exception {
        AtomicInteger passed = new AtomicInteger();
        Deadlines.Deadline cancelled = deadlines.schedule(passed::incrementAndGet, TimeUnit.HOURS.toNanos(1));
        cancelled.cancel();
        deadlines.close();
        assertEquals(0, passed.get());
    }

    @Test
    void aDeadlinePassesOnceWhoeverRunsIt() {
        AtomicInteger passed = new AtomicInteger();
        Deadlines.Deadline deadline = deadlines.schedule(passed::incrementAndGet, TimeUnit.HOURS.toNanos(1));
        deadline.run();
        deadline.run();
        deadlines.close();
        deadline.cancel();
        assertEquals(1, passed.get());
    }
}
