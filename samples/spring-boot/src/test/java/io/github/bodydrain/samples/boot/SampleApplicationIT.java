package io.github.bodydrain.samples.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.boot.BodyDrainAutoConfiguration;
import io.github.bodydrain.it.RawExchange;
import io.github.bodydrain.it.RawExchange.Ending;
import io.github.bodydrain.it.RawExchange.Sending;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample on a random port, with the starter's registration (ManualRegistrationIT: by hand).
 * Runs here on Boot's default Tomcat (its own swallow off, so the test measures the filter) and,
 * from spring-boot-jetty, on Jetty.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "server.tomcat.max-swallow-size=0")
class SampleApplicationIT {

    private static final int MIB = 1024 * 1024;

    @LocalServerPort
    int port;

    @Autowired
    FilterRegistrationBean<BodyDrainFilter> registration;

    @BeforeEach
    void restAssured() {
        RestAssured.port = port;
    }

    @Test
    void a401ThatIgnoresTheUploadArrivesWholeAndEndsWithFin() throws Exception {
        long drainedBefore = registration.getFilter().getStats().getDrainedRequests();
        for (int i = 0; i < 10; i++) {
            RawExchange exchange = RawExchange.post(port, "/upload", MIB, Sending.WHOLE_BODY_THEN_READ);
            assertEquals(401, exchange.status, exchange::toString);
            assertTrue(exchange.bodyComplete(), exchange::toString);
            assertEquals(Ending.FIN, exchange.ending, exchange::toString);
            assertNull(exchange.sendFailure, exchange::toString);
        }
        assertEquals(10, registration.getFilter().getStats().getDrainedRequests() - drainedBefore,
                registration.getFilter().getStats()::toString);
    }

    @Test
    void aJsonEndpointThatReadsItsBodyIsUnaffected() {
        long drainedBytesBefore = registration.getFilter().getStats().getDrainedBytes();
        RestAssured.given()
                .contentType(ContentType.JSON)
                .body("{\"name\":\"body-drain\",\"size\":3}")
                .post("/echo")
                .then()
                .statusCode(200)
                .body("name", equalTo("body-drain"))
                .body("size", equalTo(3));
        assertEquals(drainedBytesBefore, registration.getFilter().getStats().getDrainedBytes(),
                "nothing left to drain");
    }

    @Test
    void theRegistrationIsWhatTheReadmeShows() {
        assertEquals("bodyDrain", registration.getFilterName());
        assertTrue(registration.isAsyncSupported());
        assertEquals(BodyDrainAutoConfiguration.DEFAULT_ORDER, registration.getOrder());
        assertEquals(268_435_456, registration.getFilter().getMaxBytes());
    }
}
