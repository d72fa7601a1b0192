package io.github.bodydrain;

/**
 * What the drain must know of the container it runs in, learnt once from the class of the
 * container's response: when a response commits, whether {@code 100 Continue} has gone out
 * before the application runs, and whether a failed multipart parse costs the connection.
 */
enum Container {
    /**
     * Jetty writes through anything past its aggregation size (a quarter of its buffer by default),
     * committing the response; it sends {@code 100 Continue} when the body is first opened. After
     * a multipart parse that failed (a part over {@code maxFileSize}), Jetty 12 closes the
     * connection once the response is complete, whatever its header said: its clean-up of the
     * parts meets the parse's failure again.
     */
    JETTY(4, false, true),
    /**
     * Tomcat commits when its buffer is full; at its default {@code continueResponseTiming}
     * ({@code immediately}) it sends {@code 100 Continue} before the application runs, so a body
     * announced with {@code Expect} is on its way whatever the application does.
     */
    TOMCAT(1, true, false),
    /** Undertow and the rest: a response commits when the buffer is full, 100 Continue on a read. */
    OTHER(1, false, false);

    private final int bufferShare;
    private final boolean continuesBeforeTheApplication;
    private final boolean closesAfterFailedParts;

    Container(int bufferShare, boolean continuesBeforeTheApplication, boolean closesAfterFailedParts) {
        this.bufferShare = bufferShare;
        this.continuesBeforeTheApplication = continuesBeforeTheApplication;
        this.closesAfterFailedParts = closesAfterFailedParts;
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

    /** Whether the container closes the connection after a request whose multipart parse failed. */
    boolean closesAfterFailedParts() {
        return closesAfterFailedParts;
    }
}
