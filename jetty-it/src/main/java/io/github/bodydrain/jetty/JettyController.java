package io.github.bodydrain.jetty;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.annotation.MultipartConfig;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;

import java.util.EnumSet;
import java.util.Map;

/** Embedded Jetty 12, ee10 (Servlet 6.0). */
public final class JettyController extends Jetty12Controller {

    @Override
    protected Handler context(Filter filter, Map<String, HttpServlet> servlets) {
        ServletContextHandler context = new ServletContextHandler("/");
        servlets.forEach((path, servlet) -> {
            ServletHolder holder = new ServletHolder(servlet);
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
        return context;
    }
}
