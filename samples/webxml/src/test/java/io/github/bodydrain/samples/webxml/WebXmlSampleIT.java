package io.github.bodydrain.samples.webxml;

import io.github.bodydrain.it.ContainerLog;
import io.github.bodydrain.it.RawExchange;
import io.github.bodydrain.it.RawExchange.Ending;
import io.github.bodydrain.it.RawExchange.Sending;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.tomcat.TomcatController;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built WAR, deployed with its own web.xml into embedded Tomcat and Jetty: the 401 that
 * ignores a 1 MiB upload arrives whole and the connection ends with FIN; a bad init-param stops
 * the application with a message that names the parameter and the value.
 */
class WebXmlSampleIT {

    private static final Path WAR = Path.of(System.getProperty("sample.war"));
    private static final Path EXPLODED = Path.of(System.getProperty("sample.exploded"));
    private static final int MIB = 1024 * 1024;

    private final TomcatController tomcat = new TomcatController();
    @TempDir
    Path copies;
    private Server jetty;

    @AfterEach
    void stop() throws Exception {
        tomcat.stop();
        if (jetty != null) {
            jetty.stop();
        }
    }

    /** Container limits as low as they go, so what the test sees is the filter's doing. */
    private int startJetty(Path war) throws Exception {
        jetty = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setMaxUnconsumedRequestContentReads(1);
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        jetty.setHandler(webapp);
        jetty.start();
        return connector.getLocalPort();
    }

    private static void assertUnauthorizedArrivesWhole(int port) throws Exception {
        for (int i = 0; i < 10; i++) {
            RawExchange exchange = RawExchange.post(port, "/upload", MIB, Sending.WHOLE_BODY_THEN_READ);
            assertEquals(401, exchange.status, exchange::toString);
            assertTrue(exchange.bodyComplete(), exchange::toString);
            assertEquals(Ending.FIN, exchange.ending, exchange::toString);
            assertNull(exchange.sendFailure, exchange::toString);
        }
    }

    @Test
    void onTomcatTheIgnoredUploadNoLongerResets() throws Exception {
        int port = tomcat.startWebapp(WAR, BodyHandling.OFF);
        assertTrue(tomcat.webappAvailable());
        assertUnauthorizedArrivesWhole(port);
    }

    @Test
    void onJettyTheIgnoredUploadNoLongerResets() throws Exception {
        assertUnauthorizedArrivesWhole(startJetty(WAR));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "abc"})
    void onTomcatABadInitParamStopsTheApplication(String maxBytes) throws Exception {
        Path webapp = withMaxBytes(maxBytes);
        List<Throwable> logged;
        try (ContainerLog log = new ContainerLog()) {
            tomcat.startWebapp(webapp, BodyHandling.DEFAULT);
            logged = log.thrown();
        }
        assertFalse(tomcat.webappAvailable(), "the application must not start");
        String expected = "Filter [bodyDrain]: init parameter [maxBytes] = [" + maxBytes + "]";
        assertTrue(logged.stream().flatMap(WebXmlSampleIT::causes).anyMatch(m -> m.contains(expected)),
                () -> "no logged exception names " + expected + ": " + logged);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "abc"})
    void onJettyABadInitParamStopsTheApplication(String maxBytes) throws Exception {
        Path webapp = withMaxBytes(maxBytes);
        Exception e;
        List<Throwable> logged;
        try (ContainerLog log = new ContainerLog()) {
            e = assertThrows(Exception.class, () -> startJetty(webapp));
            logged = log.thrown();
        }
        String expected = "Filter [bodyDrain]: init parameter [maxBytes] = [" + maxBytes + "]";
        assertTrue(causes(e).anyMatch(m -> m.contains(expected)), () -> "not named: " + expected + " in " + e);
        assertTrue(logged.stream().flatMap(WebXmlSampleIT::causes).anyMatch(m -> m.contains(expected)),
                () -> "Jetty's log does not name " + expected + ": " + logged);
    }

    /** A copy of the exploded WAR whose web.xml sets maxBytes to the given value. */
    private Path withMaxBytes(String maxBytes) throws IOException {
        Path copy = Files.createDirectory(copies.resolve("webxml-sample-" + maxBytes.hashCode()));
        try (Stream<Path> files = Files.walk(EXPLODED)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(EXPLODED.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Path webXml = copy.resolve("WEB-INF/web.xml");
        String original = Files.readString(webXml);
        String changed = original.replace("<param-value>268435456</param-value>", "<param-value>" + maxBytes + "</param-value>");
        assertFalse(original.equals(changed), "the sample's web.xml no longer sets maxBytes to 268435456");
        Files.writeString(webXml, changed);
        return copy;
    }

    private static Stream<String> causes(Throwable t) {
        return t == null ? Stream.empty() : Stream.concat(Stream.of(String.valueOf(t.getMessage())), causes(t.getCause()));
    }
}
