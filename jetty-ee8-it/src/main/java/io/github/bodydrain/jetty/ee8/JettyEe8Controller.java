package io.github.bodydrain.jetty.ee8;

import io.github.bodydrain.jetty.Jetty12Controller;
import org.eclipse.jetty.ee8.servlet.FilterHolder;
import org.eclipse.jetty.ee8.servlet.ServletContextHandler;
import org.eclipse.jetty.ee8.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;

import javax.servlet.DispatcherType;
import javax.servlet.Filter;
import javax.servlet.MultipartConfigElement;
import javax.servlet.annotation.MultipartConfig;
import javax.servlet.http.HttpServlet;
import java.util.EnumSet;
import java.util.Map;

/**
 * Embedded Jetty 12.1, ee8 (Servlet 4.0, javax.servlet): Jetty 12's core with the nested
 * servlet context that ee8 and ee9 share, which hands the core its handler through {@code get()}.
 */
public final class JettyEe8Controller extends Jetty12Controller {

    @Override
    protected Handler context(Filter filter, Map<String, HttpServlet> servlets) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        servlets.forEach((path, servlet) -> {
            // Named as Tomcat's are: ee8's error page shows the name, by default the instance's hash.
            ServletHolder holder = new ServletHolder("servlet" + path.replace('/', '_'), servlet);
            holder.setAsyncSupported(true);
            MultipartConfig multipart = servlet.getClass().getAnnotation(MultipartConfig.class);
            if (multipart != null) {
                // Embedded Jetty reads no annotations: the configuration is the servlet's own.
                holder.getRegistration().setMultipartConfig(new MultipartConfigElement(multipart));
            }
            context.addServlet(holder, path);
        });
        if (filter != null) {
            FilterHolder holder = new FilterHolder(filter);
            holder.setAsyncSupported(true);
            context.addFilter(holder, "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
        }
        return context.get();
    }
}
