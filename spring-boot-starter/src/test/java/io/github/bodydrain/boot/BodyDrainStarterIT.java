package io.github.bodydrain.boot;

import io.github.bodydrain.it.RawExchange;
import io.github.bodydrain.it.RawExchange.Ending;
import io.github.bodydrain.it.RawExchange.Sending;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The starter in a real application on a random port: one dependency, no configuration. Tomcat's
 * own swallow is off so that the test measures the filter. The build runs it on each Boot line
 * and server it supports, and says which through {@code bodydrain.expected.boot} (a version
 * prefix) and {@code bodydrain.expected.server}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "server.tomcat.max-swallow-size=0")
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

    @Test
    void a401ThatIgnoresTheBodyEndsWithFinAndIsCountedAsDrained() throws Exception {
        RawExchange exchange = RawExchange.post(port, "/upload", MIB, Sending.WHOLE_BODY_THEN_READ);

        assertEquals(401, exchange.status, exchange::toString);
        assertTrue(exchange.bodyComplete(), exchange::toString);
        assertEquals(Ending.FIN, exchange.ending, exchange::toString);
        assertNull(exchange.sendFailure, exchange::toString);
        assertEquals(1.0, meters.get("bodydrain.requests").tag("outcome", "drained").functionCounter().count());
        assertEquals(MIB, meters.get("bodydrain.bytes").functionCounter().count());
    }
}
