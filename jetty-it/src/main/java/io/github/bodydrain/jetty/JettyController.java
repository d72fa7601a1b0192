package io.github.bodydrain.jetty;

import io.github.bodydrain.it.ServerController;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Jetty;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;

/** Embedded Jetty 12, ee10. */
public final class JettyController implements ServerController {

    private Server server;
    private Duration readTimeout;

    @Override
    public String name() {
        return "Jetty " + Jetty.VERSION;
    }

    @Override
    public JettyController readTimeout(Duration timeout) {
        this.readTimeout = timeout;
        return this;
    }

    @Override
    public int start(Filter filter, Map<String, HttpServlet> servlets, BodyHandling bodyHandling) throws Exception {
        server = new Server();
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

        ServletContextHandler context = new ServletContextHandler("/");
        servlets.forEach((path, servlet) -> {
            ServletHolder holder = new ServletHolder(servlet);
            holder.setAsyncSupported(true);
            context.addServlet(holder, path);
        });
        if (filter != null) {
            FilterHolder holder = new FilterHolder(filter);
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
        }
        server.setHandler(context);
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
