package io.github.bodydrain;

import java.io.IOException;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * One request's drain: when it runs, and what the application may still read afterwards. It runs
 * at most once, before the response commits or when the request ends, whichever comes first.
 *
 * <p>A body the application reads after it began to write its response is the application's:
 * it is streaming both ways, so the drain waits for the end of the request, as if it had called
 * {@link BodyDrainFilter#enableFullDuplex}. Once the drain has discarded bytes, every later read
 * of the application fails loudly: a read that returns -1 means the client's body ended.
 */
@SuppressWarnings("serial") // never serialized: it lives for one request
final class RequestDrain extends AbstractQueuedSynchronizer {

    /** The request attribute that keeps the body for the application until the request ends. */
    static final String FULL_DUPLEX_ATTRIBUTE = "io.github.bodydrain.BodyDrainFilter.FULL_DUPLEX";

    /** What a read after a discard says, like Go's {@code ErrBodyReadAfterClose}. */
    static final String READ_AFTER_DISCARD = "BodyDrainFilter discarded the rest of this request body when the"
            + " response was about to commit; to read the body while writing the response, call"
            + " BodyDrainFilter.enableFullDuplex(request) before the first write";

    private final Drainer drainer;
    private BodyInput body;
    private Exchange exchange;
    private volatile DrainOutcome outcome;
    private volatile boolean responding;
    private volatile boolean readWhileResponding;
    private long resumableSince;
    private boolean uninvitedBodyLeft;

    RequestDrain(Drainer drainer) {
        this.drainer = drainer;
    }

    /** Completes the request's objects: the wrappers are made with this state, then given to it. */
    void bind(BodyInput body, Exchange exchange) {
        this.body = body;
        this.exchange = exchange;
    }

    /** The outcome of the drain, or null while it has not run. */
    DrainOutcome outcome() {
        return outcome;
    }

    boolean isDone() {
        return outcome != null;
    }

    /** The application writes to the response. */
    void writing() {
        if (!responding) {
            responding = true; // once: every write of the response passes here
        }
    }

    /** The application is about to read from the body. */
    void reading() throws IOException {
        if (outcome != null && body.discarded() > 0) {
            throw new IOException(READ_AFTER_DISCARD);
        }
        if (responding && !readWhileResponding) {
            readWhileResponding = true;
        }
    }

    /** The response is about to commit: drain now, unless the application streams both ways. */
    void beforeCommit() {
        if (outcome == null && !readWhileResponding && !exchange.fullDuplex() && !leavesTheUninvitedBody()) {
            drain();
        }
    }

    /**
     * A body announced with {@code Expect} and not invited is left for a drain without a thread
     * once the response has gone out: reading it now would invite it, and once the response has
     * committed no container invites it any more, while a client that sends it anyway (curl after
     * a second, Python's requests at once) has it drained as it comes, within the deadline.
     */
    boolean leavesTheUninvitedBody() {
        if (!uninvitedBodyLeft && drainer.settings().nonBlocking() && !body.started() && exchange.awaitsContinue()
                && exchange.asyncSupported()) {
            uninvitedBodyLeft = true;
        }
        return uninvitedBodyLeft;
    }

    /** The request is ending, or the application closed the body: drain now. */
    void atEnd() {
        if (outcome == null) {
            drain();
        }
    }

    /**
     * Whether the drain at the end of the request must read the body: when it needs no read, it
     * runs now, and the answer is false.
     */
    boolean needsReading() {
        if (outcome != null) {
            return false;
        }
        lock();
        try {
            if (outcome == null) {
                DrainOutcome decided;
                try {
                    decided = drainer.withoutReading(body, exchange);
                } catch (IOException | RuntimeException e) {
                    decided = null; // the drain itself will meet the failure, and report it
                }
                if (decided == null) {
                    return true;
                }
                outcome = drainer.end(body, exchange, drainer.start(), decided, null);
            }
            return false;
        } finally {
            unlock();
        }
    }

    /** Starts a drain that never blocks: {@link #resume()} reads whenever more has arrived. */
    void startWithoutBlocking() {
        resumableSince = drainer.start();
    }

    /** Nanoseconds from the start of a drain that never blocks until its deadline. */
    long untilDeadline() {
        return resumableSince + drainer.settings().timeoutNanos() - drainer.start();
    }

    /** Reads what has arrived; the outcome once the drain has ended, null while it waits for more. */
    DrainOutcome resume() {
        lock();
        try {
            if (outcome == null) {
                outcome = drainer.resume(body, exchange, resumableSince);
            }
            return outcome;
        } finally {
            unlock();
        }
    }

    /** Ends a drain that waits for the body: its deadline passed, or the client failed. */
    DrainOutcome stop(DrainOutcome why, Throwable failure) {
        lock();
        try {
            if (outcome == null) {
                // An uninvited body that never came was never solicited: that, not the deadline
                // or the client's close, is what ended it.
                DrainOutcome ended = uninvitedBodyLeft && body.discarded() == 0 ? DrainOutcome.EXPECT_CONTINUE : why;
                outcome = drainer.end(body, exchange, resumableSince, ended, failure);
            }
            return outcome;
        } finally {
            unlock();
        }
    }

    private void drain() {
        lock();
        try {
            if (outcome == null) {
                outcome = drainer.drain(body, exchange);
            }
        } finally {
            unlock();
        }
    }

    /*
     * The drain's lock is this object itself, so that a request costs one object beyond its
     * wrappers. A lock, not a monitor: the drain blocks in reads, and a monitor held there pins a
     * virtual thread to its carrier (JDK 21-23). complete() on an application thread may race a
     * timeout on a container thread. Not reentrant: no drain step calls another.
     */
    private void lock() {
        acquire(1);
    }

    private void unlock() {
        release(1);
    }

    @Override
    protected boolean tryAcquire(int ignored) {
        return compareAndSetState(0, 1);
    }

    @Override
    protected boolean tryRelease(int ignored) {
        setState(0);
        return true;
    }
}
