package io.github.bodydrain.it;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;

import java.util.Map;

/**
 * Starts and stops one embedded container for the contract suite. Each container module
 * implements it once; the suite does the rest.
 */
public interface ServerController {

    /** The container and version, for messages and reports. */
    String name();

    /**
     * Starts the container on an ephemeral port of 127.0.0.1, with each servlet at its path
     * (async supported) and, unless {@code filter} is null, the filter in front of them all for
     * the REQUEST, ASYNC and ERROR dispatches. The container's own handling of unread bodies is
     * switched off (Tomcat {@code maxSwallowSize=0}, Jetty
     * {@code maxUnconsumedRequestContentReads=0}), so that what the tests see is the filter's
     * doing and not the container's.
     *
     * @return the port
     */
    int start(Filter filter, Map<String, HttpServlet> servlets) throws Exception;

    /** Stops the container; safe to call when it did not start. */
    void stop() throws Exception;
}
