package io.github.bodydrain;

/** The request and response around a drain, as far as the drain's decision needs them. */
interface Exchange {

    /** The response header has gone out. */
    boolean committed();

    /**
     * The client announced its body with {@code Expect: 100-continue}, the container has not
     * invited it yet, and the response has not committed: reading would solicit it. Once the
     * response has committed, no container sends {@code 100 Continue} any more.
     */
    boolean awaitsContinue();

    /** Every filter and the servlet support async: a drain may wait for the body without a thread. */
    boolean asyncSupported();

    /** The application asked to keep the body until the request ends. */
    boolean fullDuplex();

    /** Asks the client not to reuse the connection, while the response is not committed. */
    void closeConnection();

    /** Method and path, for the log line. */
    String describe();
}
