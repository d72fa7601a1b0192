package io.github.bodydrain;

/** The request and response around a drain, as far as the drain's decision needs them. */
interface Exchange {

    /** The response header has gone out. */
    boolean committed();

    /**
     * The client announced its body with {@code Expect: 100-continue} and the container has not
     * invited it yet: reading would solicit it.
     */
    boolean awaitsContinue();

    /** The application asked to keep the body until the request ends. */
    boolean fullDuplex();

    /** Asks the client not to reuse the connection, while the response is not committed. */
    void closeConnection();

    /** Method and path, for the log line. */
    String describe();
}
