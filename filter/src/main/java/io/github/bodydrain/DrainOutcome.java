package io.github.bodydrain;

/** How one request's drain ended. */
enum DrainOutcome {
    /** There was nothing left to read. */
    NOTHING_LEFT,
    /** The rest of the body was read to its end. */
    DRAINED,
    /** The remaining body was larger than {@code maxBytes}: not read, or cut short. */
    OVER_LIMIT,
    /** The drain took longer than {@code timeoutMs}. */
    TIMEOUT,
    /** A read failed: the client went away, or the body was malformed. */
    ERROR,
    /** {@code Expect: 100-continue} and the application never read: nothing solicited. */
    EXPECT_CONTINUE,
    /** The response had already committed; what had arrived was read, and more was to come. */
    COMMITTED
}
