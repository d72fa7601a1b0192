package io.github.bodydrain.jetty;

import io.github.bodydrain.it.ServerController;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Jetty;

import java.time.Duration;
import java.util.Map;

/**
 * Embedded Jetty 12 with its core, which every EE environment shares: a server on an ephemeral
 * port of 127.0.0.1 with the body handling asked for. Each environment (ee10, ee11) adds only
 * its servlet context.
 */
public abstract class Jetty12Controller implements ServerController {

    private Server server;
    private Duration readTimeout;
    private int workerThreads;

    /** The servlet context of this EE environment: each servlet at its path, the filter in front. */
    protected abstract Handler context(Filter filter, Map<String, HttpServlet> servlets);

    /** Jetty sends 100 Continue when the application first opens the body. */
    @Override
    public boolean continuesBeforeTheApplicationReads() {
        return false;
    }

    @Override
    public String name() {
        return "Jetty " + Jetty.VERSION;
    }

    @Override
    public Jetty12Controller readTimeout(Duration timeout) {
        this.readTimeout = timeout;
        return this;
    }

    @Override
    public Jetty12Controller workerThreads(int threads) {
        this.workerThreads = threads;
        return this;
    }

    @Override
    public int start(Filter filter, Map<String, HttpServlet> servlets, BodyHandling bodyHandling) throws Exception {
        // Jetty's pool also runs its acceptor and selector: they come on top of the request threads.
        server = workerThreads > 0
                ? new Server(new org.eclipse.jetty.util.thread.QueuedThreadPool(workerThreads + 4, workerThreads + 4))
                : new Server();
        HttpConfiguration config = new HttpConfiguration();
        if (bodyHandling == BodyHandling.OFF) {
            // Jetty consumes body bytes that have already arrived, up to 16 reads by default. One
            // read is the least: at 0 Jetty 12.0 closes every connection that carried a body,
            // even one read to its end, mostly without a Connection: close header.
            config.setMaxUnconsumedRequestContentReads(1);
        }
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        if (readTimeout != null) {
            connector.setIdleTimeout(readTimeout.toMillis());
        }
        server.addConnector(connector);
        server.setHandler(context(filter, servlets));
        server.start();
        return connector.getLocalPort();
    }

    @Override
    public void stop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
