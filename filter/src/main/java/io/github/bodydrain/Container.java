package io.github.bodydrain;

/**
 * What the drain must know of the container it runs in, learnt once from the class of the
 * container's response: when a response commits, and whether {@code 100 Continue} has gone out
 * before the application runs.
 */
enum Container {
    /**
     * Jetty writes through anything past its aggregation size (a quarter of its buffer by default),
     * committing the response; it sends {@code 100 Continue} when the body is first opened.
     */
    JETTY(4, false),
    /**
     * Tomcat commits when its buffer is full; at its default {@code continueResponseTiming}
     * ({@code immediately}) it sends {@code 100 Continue} before the application runs, so a body
     * announced with {@code Expect} is on its way whatever the application does.
     */
    TOMCAT(1, true),
    /** Undertow and the rest: a response commits when the buffer is full, 100 Continue on a read. */
    OTHER(1, false);

    private final int bufferShare;
    private final boolean continuesBeforeTheApplication;

    Container(int bufferShare, boolean continuesBeforeTheApplication) {
        this.bufferShare = bufferShare;
        this.continuesBeforeTheApplication = continuesBeforeTheApplication;
    }

    /** The container whose response has this class. */
    static Container of(String responseClass) {
        if (responseClass.startsWith("org.eclipse.jetty.")) {
            return JETTY;
        }
        return responseClass.startsWith("org.apache.catalina.") ? TOMCAT : OTHER;
    }

    /** The part of the response buffer the container holds before it commits: 1 for all of it. */
    int bufferShare() {
        return bufferShare;
    }

    /** Whether the container has invited an announced body before the application runs. */
    boolean continuesBeforeTheApplication() {
        return continuesBeforeTheApplication;
    }
}
