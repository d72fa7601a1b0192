package com.example.consumer;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.ObjectName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Tomcat 9 user's WAR does: this project's WAR, which declares the installed javax filter
 * in its web.xml, deployed into embedded Tomcat 9 with Tomcat's own swallow off, so that what
 * drains the body is the filter. A 4 MiB upload to a servlet that answers 401 without reading
 * it: the 401 arrives whole, the connection ends with FIN, and the filter's MBean counts a drain.
 */
@Timeout(60)
class DrainedUnauthorizedWarIT {

    private static final int BODY = 4 * 1024 * 1024;

    private Path baseDir;
    private Tomcat tomcat;

    @BeforeEach
    void deploy() throws Exception {
        baseDir = Files.createTempDirectory("body-drain-consumer-javax");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxSwallowSize", "0");
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Files.createDirectories(tomcat.getHost().getAppBaseFile().toPath());
        Context webapp = tomcat.addWebapp("", Path.of(System.getProperty("consumer.war")).toAbsolutePath().toString());
        tomcat.start();
        assertEquals(LifecycleState.STARTED, webapp.getState(), "the WAR did not start; Tomcat's log says why");
    }

    @AfterEach
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void anUnreadUploadIsDrainedAndThe401ArrivesWhole() throws Exception {
        int port = tomcat.getConnector().getLocalPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + BODY + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[BODY]);
            out.flush();

            String response = readToTheEnd(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 401"), response);
            assertTrue(response.endsWith("{\"error\":\"unauthorized\"}"), response);
        }
        ObjectName counters = new ObjectName("io.github.bodydrain:type=BodyDrainFilter,context=\"/\",name=\"bodyDrain\"");
        assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(counters, "DrainedRequests"));
    }

    /** Reads until the server's FIN; a reset throws, and fails the test. */
    private static String readToTheEnd(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        in.transferTo(received);
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
