package io.github.bodydrain.samples.nginx;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Load;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.NginxProof;
import io.github.bodydrain.it.NginxProof.Row;
import io.github.bodydrain.it.Scenario;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.it.TestServlets;
import io.github.bodydrain.jetty.JettyController;
import io.github.bodydrain.tomcat.TomcatController;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nginx started with the sample's app.conf, as it stands but for its two addresses, in front of
 * each container as users run it, with the filter at its defaults.
 */
@Timeout(600)
class NginxSampleIT {

    private static final Path APP_CONF = Path.of(System.getProperty("sample.nginx.conf"));
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    /** app.conf with nginx listening on {@code port} and the upstream at {@code upstreamPort}. */
    static String site(int port, int upstreamPort) {
        try {
            String conf = Files.readString(APP_CONF);
            assertTrue(conf.contains("server 127.0.0.1:8080;") && conf.contains("listen 80;"),
                    "app.conf no longer has the two addresses this test replaces");
            return conf.replace("server 127.0.0.1:8080;", "server 127.0.0.1:" + upstreamPort + ";")
                    .replace("listen 80;", "listen 127.0.0.1:" + port + ";");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Nginx startSample(int upstreamPort) throws Exception {
        int port = Nginx.freePort();
        return Nginx.start(port, site(port, upstreamPort));
    }

    private static ServerController container(String name) {
        return name.equals("tomcat") ? new TomcatController() : new JettyController();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void everyScenarioUpToTheBodyLimitArrivesWhole(String name) throws Exception {
        BodyDrainFilter filter = BodyDrainFilter.builder().build();

        List<Row> rows = NginxProof.run(container(name), filter, BodyHandling.DEFAULT, NginxSampleIT::startSample,
                Scenario.ALL, KIB, MIB, 2 * MIB);

        rows.forEach(System.out::println);
        assertAll(rows.stream().map(row -> (Executable) () -> {
            assertEquals(0, row.failures(), row::toString);
            assertEquals(0, row.resetLineCount(), row::toString);
        }));
    }

    @Test
    void aBodyOverTheLimitIsRefusedByNginxAndNeverReachesTheApplication() throws Exception {
        BodyDrainFilter filter = BodyDrainFilter.builder().build();
        TomcatController tomcat = new TomcatController();
        int upstreamPort = tomcat.start(filter, TestServlets.all(), BodyHandling.DEFAULT);
        try (Nginx nginx = startSample(upstreamPort)) {
            Load.Result result = Load.run(nginx.port(), "/ignore", 3 * MIB, 413, 20, 4, 60_000);

            assertEquals(20, result.ok(), result::toString);
            assertEquals(0, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
        } finally {
            tomcat.stop();
        }
    }
}
