package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.NginxProof.Row;
import io.github.bodydrain.it.ServerController.BodyHandling;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof behind a real nginx: every scenario, every body size, both upstream modes, no failure
 * and no reset line with the filter; and without it, the resets this container is known for.
 * Each container module extends this with its {@link ServerController}.
 */
@Timeout(900)
public abstract class NginxContract {

    protected static final int KIB = 1024;
    protected static final int MIB = 1024 * KIB;
    protected static final int[] BODIES = {KIB, 256 * KIB, MIB, 4 * MIB};

    /** The container under test. */
    protected abstract ServerController controller();

    /**
     * The body sizes at which this container, with its defaults and without the filter, is known
     * to lose responses behind nginx when a servlet ignores the body and sends 600 kB.
     */
    protected abstract int[] knownResetBodies();

    /** Scenarios the filter must carry through nginx without a failure on this container. */
    protected List<Scenario> scenarios() {
        return Scenario.ALL;
    }

    /**
     * The container's own body handling is off, so the filter alone must carry every scenario;
     * with the container's help it could only do better.
     */
    @ParameterizedTest(name = "nginx upstream {0}")
    @EnumSource(Nginx.Upstream.class)
    void withTheFilterNoRequestFailsAndNginxLogsNoReset(Nginx.Upstream upstream) throws Exception {
        BodyDrainFilter filter = NginxProof.filter();
        ServerController container = controller();

        List<Row> rows = NginxProof.run(container, filter, BodyHandling.OFF, upstream, scenarios(), BODIES);

        report(container, "with the filter, nginx upstream " + upstream, rows);
        assertAll(rows.stream().map(row -> (Executable) () -> {
            assertEquals(NginxProof.REQUESTS, row.result().requests(), row::toString);
            assertEquals(0, row.failures(), row::toString);
            assertEquals(0, row.resetLineCount(), row::toString);
        }));
        assertEquals(0, filter.getStats().getStoppedByTimeout(), filter.getStats()::toString);
    }

    /**
     * A proof whose baseline never fails proves nothing: the container as users run it. The floor
     * is 5 % of the requests; measured here, Jetty loses 60-100 % and Tomcat at 4 MiB 14-30 %,
     * a race whose rate moves with the machine's load.
     */
    @ParameterizedTest(name = "nginx upstream {0}")
    @EnumSource(Nginx.Upstream.class)
    void withoutTheFilterTheKnownResetsAppear(Nginx.Upstream upstream) throws Exception {
        ServerController container = controller();

        List<Row> rows = NginxProof.run(container, null, BodyHandling.DEFAULT, upstream,
                List.of(Scenario.IGNORE_LARGE), knownResetBodies());

        report(container, "without the filter, container defaults, nginx upstream " + upstream, rows);
        assertAll(rows.stream().map(row -> (Executable) () ->
                assertTrue(row.failures() >= NginxProof.REQUESTS / 20, row::toString)));
    }

    /**
     * The upload users reject behind nginx's defaults (request buffering on), at the filter's and
     * the container's defaults: the whole body has reached nginx first, so draining 100 MiB is a
     * local copy well within the time bound, and the 413 arrives whole.
     */
    @ParameterizedTest(name = "nginx upstream {0}")
    @EnumSource(Nginx.Upstream.class)
    void aRejected100MiBUploadIsDrainedAtTheDefaults(Nginx.Upstream upstream) throws Exception {
        BodyDrainFilter filter = new BodyDrainFilter();
        ServerController container = controller();
        int appPort = container.start(filter, TestServlets.all(), BodyHandling.DEFAULT);
        int port = Nginx.freePort();
        String site = Nginx.site(port, appPort, upstream, "256m", true);
        byte[] upload = new byte[100 * MIB];
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        try (Nginx nginx = Nginx.start(port, site)) {
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                java.net.http.HttpResponse<byte[]> response = client.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + port + "/ignore?status=413&bytes=2"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                System.out.printf("RELIABILITY | %s | 12 behind a buffering nginx | 100 MiB upload refused with 413,"
                        + " upstream %s, filter defaults | %d, %d B, drained | %d ms%n", container.name(), upstream,
                        response.statusCode(), response.body().length, (System.nanoTime() - started) / 1_000_000);
                assertEquals(413, response.statusCode());
                assertEquals(2, response.body().length);
            }
            assertEquals(Map.of(), nginx.resetLines());
        } finally {
            container.stop();
        }
        assertEquals(3, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
        assertEquals(300L * MIB, filter.getStats().getDrainedBytes(), filter.getStats()::toString);
    }

    private static void report(ServerController container, String title, List<Row> rows) {
        StringBuilder out = new StringBuilder(container.name()).append(", ").append(title).append(':');
        for (Row row : rows) {
            out.append("\n  ").append(row);
        }
        System.out.println(out);
    }
}
