package io.github.bodydrain.samples.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Nginx.Upstream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sample as users run it, the starter at its defaults, the container at its own (Tomcat here,
 * Jetty from spring-boot-jetty), nginx at its defaults (request buffering on): every 413 and 401
 * reaches the client. {@link UploadsBehindNginxWithoutTheFilterIT} is the baseline.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Timeout(300)
class UploadsBehindNginxIT {

    @LocalServerPort
    int port;

    @Autowired
    FilterRegistrationBean<BodyDrainFilter> bodyDrain;

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void everyRefusalReachesTheClient(Upstream upstream) throws Exception {
        UploadsBehindNginx.Run run = UploadsBehindNginx.run(port, upstream, false);
        // Which bound ended the drains, so that a failure says whether the filter gave up.
        String outcomes = run + ", drains since start " + bodyDrain.getFilter().getStats();
        System.out.println("UPLOADS BEHIND NGINX | with the starter | " + outcomes);
        assertEquals(0, run.failures().size(), outcomes);
        assertEquals(0, run.resetLines().values().stream().mapToInt(Integer::intValue).sum(), outcomes);
    }
}
