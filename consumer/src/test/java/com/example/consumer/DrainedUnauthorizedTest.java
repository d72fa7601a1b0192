package com.example.consumer;

import io.github.bodydrain.BodyDrainFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user's first test looks like: the installed filter in front of a servlet that answers
 * 401 without reading a 4 MiB upload, on embedded Tomcat with Tomcat's own swallow off, so that
 * what drains the body is the filter. The 401 arrives whole and the connection ends with FIN.
 */
@Timeout(60)
class DrainedUnauthorizedTest {

    private static final int BODY = 4 * 1024 * 1024;

    private final BodyDrainFilter filter = BodyDrainFilter.builder().build();
    private Path baseDir;
    private Tomcat tomcat;

    @BeforeEach
    void start() throws Exception {
        baseDir = Files.createTempDirectory("body-drain-consumer");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxSwallowSize", "0");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.toString());
        Wrapper servlet = Tomcat.addServlet(context, "login", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setStatus(401);
                response.getWriter().write("{\"error\":\"unauthorized\"}");
            }
        });
        servlet.setAsyncSupported(true);
        context.addServletMappingDecoded("/login", "login");
        FilterDef def = new FilterDef();
        def.setFilterName("bodyDrain");
        def.setFilter(filter);
        def.setAsyncSupported("true");
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("bodyDrain");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        tomcat.start();
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
        assertEquals(1, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
        assertTrue(filter.getStats().getDrainedBytes() > 0, filter.getStats()::toString);
    }

    /** Reads until the server's FIN; a reset throws, and fails the test. */
    private static String readToTheEnd(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        in.transferTo(received);
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
