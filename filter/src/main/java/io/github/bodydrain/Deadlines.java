package io.github.bodydrain;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The deadlines of one filter's drains that hold no thread: one daemon thread, started on first
 * use. When the filter goes, every deadline still pending passes at once and the thread ends
 * with them, so that no thread of the application outlives it and holds its class loader.
 */
final class Deadlines {

    private final Set<Deadline> pending = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile ScheduledThreadPoolExecutor timer;
    private volatile boolean closed;

    /** One drain's deadline: it passes once, at its time or at {@link #close()}, unless cancelled. */
    final class Deadline implements Runnable {
        private final Runnable passed;
        private final AtomicBoolean over = new AtomicBoolean();
        private volatile Future<?> scheduled;

        private Deadline(Runnable passed) {
            this.passed = passed;
        }

        @Override
        public void run() {
            if (over.compareAndSet(false, true)) {
                pending.remove(this);
                passed.run();
            }
        }

        /** The drain ended first. */
        void cancel() {
            if (over.compareAndSet(false, true)) {
                pending.remove(this);
                Future<?> known = scheduled;
                if (known != null) {
                    known.cancel(false);
                }
            }
        }
    }

    /**
     * Runs {@code passed} in {@code nanos}, on the timer's thread.
     *
     * @throws RejectedExecutionException once the filter is destroyed
     */
    Deadline schedule(Runnable passed, long nanos) {
        Deadline deadline = new Deadline(passed);
        pending.add(deadline);
        try {
            deadline.scheduled = timer().schedule(deadline, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(deadline);
            throw e;
        }
        return deadline;
    }

    /**
     * The timer, started on first use. Every drain that waits passes here, so the lock is taken
     * only to start it; a deadline scheduled as the filter closes is refused by the stopped pool.
     */
    private ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor known = timer;
        if (known == null || closed) {
            synchronized (this) {
                if (closed) {
                    throw new RejectedExecutionException("the filter is destroyed");
                }
                if (timer == null) {
                    timer = new ScheduledThreadPoolExecutor(1, task -> {
                        Thread thread = new Thread(task, "body-drain-deadlines");
                        thread.setDaemon(true);
                        threads.add(thread);
                        return thread;
                    });
                    timer.setRemoveOnCancelPolicy(true);
                }
                known = timer;
            }
        }
        return known;
    }

    /** Every pending deadline passes now, on this thread; the timer's thread ends. */
    void close() {
        ScheduledThreadPoolExecutor started;
        synchronized (this) {
            closed = true;
            started = timer;
        }
        if (started == null) {
            return;
        }
        started.shutdownNow();
        for (Deadline deadline : pending) {
            deadline.run();
        }
        try {
            // The pool terminates a moment before its thread has ended: Tomcat, checking for
            // threads its application left, would still see it.
            for (Thread thread : threads) {
                thread.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
