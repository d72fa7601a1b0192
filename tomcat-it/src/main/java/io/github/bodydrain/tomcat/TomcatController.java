package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.Directories;
import io.github.bodydrain.it.ServerController;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.annotation.MultipartConfig;
import jakarta.servlet.http.HttpServlet;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.catalina.util.ServerInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Embedded Tomcat, NIO connector. */
public final class TomcatController implements ServerController {

    private Tomcat tomcat;
    private Duration readTimeout;
    private int workerThreads;
    private StandardContext webapp;
    private final List<Path> directories = new ArrayList<>();

    /** continueResponseTiming=immediately, Tomcat's default. */
    @Override
    public boolean continuesBeforeTheApplicationReads() {
        return true;
    }

    @Override
    public String name() {
        return ServerInfo.getServerInfo();
    }

    @Override
    public TomcatController readTimeout(Duration timeout) {
        this.readTimeout = timeout;
        return this;
    }

    @Override
    public TomcatController workerThreads(int threads) {
        this.workerThreads = threads;
        return this;
    }

    @Override
    public int start(Filter filter, Map<String, HttpServlet> servlets, BodyHandling bodyHandling) throws Exception {
        Connector connector = newTomcat(bodyHandling);
        StandardContext context = (StandardContext) tomcat.addContext("", directory("tomcat-docbase").toString());
        // The embedded JVM does not open these packages; the checks only warn about it.
        context.setClearReferencesThreadLocals(false);
        context.setClearReferencesRmiTargets(false);
        servlets.forEach((path, servlet) -> {
            String name = "servlet" + path.replace('/', '_');
            Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
            wrapper.setAsyncSupported(true);
            MultipartConfig multipart = servlet.getClass().getAnnotation(MultipartConfig.class);
            if (multipart != null) {
                wrapper.setMultipartConfigElement(new MultipartConfigElement(multipart));
            }
            wrapper.addMapping(path);
        });
        if (filter != null) {
            FilterDef def = new FilterDef();
            def.setFilterName("bodyDrain");
            def.setFilter(filter);
            def.setAsyncSupported("true");
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName("bodyDrain");
            map.addURLPattern("/*");
            map.setDispatcher(DispatcherType.REQUEST.name());
            map.setDispatcher(DispatcherType.ASYNC.name());
            map.setDispatcher(DispatcherType.ERROR.name());
            context.addFilterMap(map);
        }
        tomcat.start();
        return connector.getLocalPort();
    }

    /**
     * Deploys a web application, a WAR or an exploded directory, at the root, with its own
     * {@code WEB-INF/web.xml}. A filter that fails to start leaves the context FAILED (Tomcat
     * logs why); see {@link #webappAvailable()}.
     *
     * @return the port
     */
    public int startWebapp(Path war, BodyHandling bodyHandling) throws Exception {
        Connector connector = newTomcat(bodyHandling);
        // The WAR's own web.xml only: no JSP servlet (no Jasper here), and an appBase to unpack into.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        java.nio.file.Files.createDirectories(tomcat.getHost().getAppBaseFile().toPath());
        webapp = (StandardContext) tomcat.addWebapp("", war.toAbsolutePath().toString());
        webapp.setClearReferencesThreadLocals(false);
        webapp.setClearReferencesRmiTargets(false);
        tomcat.start();
        return connector.getLocalPort();
    }

    /** Whether the web application deployed by {@link #startWebapp} started. */
    public boolean webappAvailable() {
        return webapp != null && webapp.getState() == LifecycleState.STARTED;
    }

    private Connector newTomcat(BodyHandling bodyHandling) throws IOException {
        // The first Tomcat of a JVM sets catalina.home and catalina.base to its own directory and
        // later ones would take them up, recreating that directory after it was deleted.
        System.clearProperty("catalina.home");
        System.clearProperty("catalina.base");
        tomcat = new Tomcat();
        tomcat.setBaseDir(directory("tomcat-it").toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (bodyHandling == BodyHandling.OFF && !connector.setProperty("maxSwallowSize", "0")) {
            throw new IllegalStateException("Tomcat connector has no property maxSwallowSize");
        }
        if (readTimeout != null) {
            connector.setProperty("connectionTimeout", Long.toString(readTimeout.toMillis()));
        }
        if (workerThreads > 0) {
            connector.setProperty("maxThreads", Integer.toString(workerThreads));
            connector.setProperty("minSpareThreads", Integer.toString(workerThreads));
        }
        tomcat.setConnector(connector);
        return connector;
    }

    /** A temporary directory, deleted at {@link #stop()}. */
    private Path directory(String prefix) {
        try {
            Path directory = Files.createTempDirectory(prefix);
            directories.add(directory);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() throws Exception {
        try {
            if (tomcat != null) {
                tomcat.stop();
                tomcat.destroy();
            }
        } finally {
            tomcat = null;
            webapp = null;
            directories.forEach(Directories::delete);
            directories.clear();
        }
    }

}
