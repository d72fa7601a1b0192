package io.github.bodydrain.boot;

import io.github.bodydrain.it.KeepAliveConnection;
import io.github.bodydrain.it.RawExchange;
import io.github.bodydrain.it.RawExchange.Ending;
import io.github.bodydrain.it.RawExchange.Sending;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The starter in a real application on a random port: one dependency, no configuration. Tomcat's
 * own swallow is off so that the test measures the filter. The build runs it on each Boot line
 * and server it supports, and says which through {@code bodydrain.expected.boot} (a version
 * prefix) and {@code bodydrain.expected.server}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {"server.tomcat.max-swallow-size=0",
        "body-drain.max-bytes=2MB", "body-drain.timeout=500ms", "body-drain.jmx-enabled=true"})
@ExtendWith(OutputCaptureExtension.class)
class BodyDrainStarterIT {

    private static final int MIB = 1024 * 1024;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ServletContext servletContext;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @RestController
    static class App {
        @PostMapping("/upload")
        ResponseEntity<String> upload() {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body("{\"error\":\"unauthorized\"}");
        }
    }

    @Test
    void runsOnTheBootLineAndTheServerTheBuildNames() {
        assertTrue(SpringBootVersion.getVersion().startsWith(System.getProperty("bodydrain.expected.boot")),
                SpringBootVersion::getVersion);
        assertTrue(servletContext.getServerInfo().toLowerCase(java.util.Locale.ROOT)
                .contains(System.getProperty("bodydrain.expected.server")), servletContext::getServerInfo);
    }

    /**
     * One upload drained, one over {@code max-bytes} and one whose client stalls past
     * {@code timeout}: each 401 arrives, and the meters, the MBean and the log say what happened.
     */
    @Test
    void drainedSkippedAndTimedOutUploadsShowInTheMetersTheMBeanAndOneInfoLine(CapturedOutput output)
            throws Exception {
        RawExchange drained = RawExchange.post(port, "/upload", MIB, Sending.WHOLE_BODY_THEN_READ);
        assertEquals(401, drained.status, drained::toString);
        assertTrue(drained.bodyComplete(), drained::toString);
        assertEquals(Ending.FIN, drained.ending, drained::toString);
        assertNull(drained.sendFailure, drained::toString);

        RawExchange overLimit = RawExchange.post(port, "/upload", 4 * MIB, Sending.UNTIL_RESPONSE_HEADER);
        assertEquals(401, overLimit.status, overLimit::toString);
        assertEquals("close", overLimit.headers.get("connection"), overLimit::toString);

        // Spring's message converter flushes, so the drain runs then, on the request thread, and
        // checks its deadline after each read: a client that sends a little at a time meets it.
        try (KeepAliveConnection slow = new KeepAliveConnection(port)) {
            slow.write("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + MIB + "\r\n\r\n");
            AtomicBoolean answered = new AtomicBoolean();
            Thread dripping = new Thread(() -> {
                try {
                    for (int i = 0; i < 250 && !answered.get(); i++) { // 1 KiB every 20 ms, 5 s at most
                        slow.write(new byte[1024]);
                        Thread.sleep(20);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed the connection after its answer
                }
            });
            dripping.start();
            KeepAliveConnection.Response response = slow.response();
            answered.set(true);
            dripping.join();
            assertEquals(401, response.status(), response::toString);
            assertTrue(response.closesConnection(), response::toString);
        }

        assertEquals(3.0, meters.get("bodydrain.body.requests").functionCounter().count());
        assertEquals(1.0, meters.get("bodydrain.requests").tag("outcome", "drained").functionCounter().count());
        Timer drainedTime = meters.get("bodydrain.drain.time").tag("outcome", "drained").timer();
        assertEquals(1, drainedTime.count());
        assertEquals(1, meters.get("bodydrain.drain.time").tag("outcome", "over_limit").timer().count());
        Timer timedOut = meters.get("bodydrain.drain.time").tag("outcome", "timeout").timer();
        assertEquals(1, timedOut.count());
        assertTrue(timedOut.totalTime(TimeUnit.MILLISECONDS) >= 500, () -> timedOut.totalTime(TimeUnit.MILLISECONDS) + " ms");
        assertEquals(MIB, meters.get("bodydrain.drain.size").tag("outcome", "drained").summary().totalAmount());

        ObjectName mbean = new ObjectName("io.github.bodydrain:type=BodyDrainFilter,context=\"/\",name=\"bodyDrain\"");
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        assertEquals(3L, jmx.getAttribute(mbean, "RequestsWithBody"));
        assertEquals(1L, jmx.getAttribute(mbean, "StoppedByTimeout"));
        assertEquals(3L, Arrays.stream((long[]) jmx.getAttribute(mbean, "DrainTimeHistogram")).sum());

        // The over-limit drain is told at once; the timeout, within the minute, waits for the next line.
        assertEquals(1, output.getAll().split("Drains stopped by a bound", -1).length - 1, output::getAll);
        assertTrue(output.getAll().contains("[1] over maxBytes [2097152], [0] past timeoutMs [500]"), output::getAll);
    }
}
