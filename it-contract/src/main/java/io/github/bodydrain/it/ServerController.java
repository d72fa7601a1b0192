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

    /** What the container itself does with a body the application left unread. */
    enum BodyHandling {
        /**
         * As little as the container allows: Tomcat {@code maxSwallowSize=0}, Jetty
         * {@code maxUnconsumedRequestContentReads=1}, so that what a test sees is the filter's
         * doing and not the container's.
         */
        OFF,
        /** The container's defaults, as users run it. */
        DEFAULT
    }

    /**
     * Starts the container on an ephemeral port of 127.0.0.1, with each servlet at its path
     * (async supported) and, unless {@code filter} is null, the filter in front of them all for
     * the REQUEST, ASYNC and ERROR dispatches.
     *
     * @return the port
     */
    int start(Filter filter, Map<String, HttpServlet> servlets, BodyHandling bodyHandling) throws Exception;

    /**
     * How long the container waits for request bytes that do not come before it gives up on the
     * read, for the next start; by default the container's own (Tomcat 60 s embedded, Jetty 30 s).
     */
    ServerController readTimeout(java.time.Duration timeout);

    /** The most request threads the container runs, for the next start; by default its own (200). */
    ServerController workerThreads(int threads);

    /** Starts the container with its own body handling {@linkplain BodyHandling#OFF off}. */
    default int start(Filter filter, Map<String, HttpServlet> servlets) throws Exception {
        return start(filter, servlets, BodyHandling.OFF);
    }

    /**
     * Whether the container sends {@code 100 Continue} before the application reads (Tomcat:
     * {@code continueResponseTiming=immediately}, its default), so that a client that announced
     * its body with {@code Expect} sends it whatever the application and the filter do.
     */
    boolean continuesBeforeTheApplicationReads();

    /** Stops the container; safe to call when it did not start. */
    void stop() throws Exception;
}
