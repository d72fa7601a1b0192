package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.ServerController.BodyHandling;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs scenarios through a real nginx in front of a container, with or without the filter, and
 * counts what a user would see: failed requests and nginx's reset lines.
 */
public final class NginxProof {

    /** Requests per scenario and body size. */
    public static final int REQUESTS = 200;
    /** Requests in flight at once. */
    public static final int CONCURRENCY = 4;
    /** The longest one scenario may run before it stops issuing requests. */
    public static final long BUDGET_MILLIS = 60_000;

    /** One measured scenario. */
    public record Row(Scenario scenario, int bodyBytes, Load.Result result, Map<String, Integer> resetLines) {

        public int failures() {
            return result.failures();
        }

        public int resetLineCount() {
            return resetLines.values().stream().mapToInt(Integer::intValue).sum();
        }

        @Override
        public String toString() {
            return scenario.name() + ", " + bodyBytes + " B body: " + result + ", nginx reset lines " + resetLines;
        }
    }

    private NginxProof() {
    }

    /** A filter whose byte limit is above every body the proof sends. */
    public static BodyDrainFilter filter() {
        return BodyDrainFilter.builder().maxBytes(8L * 1024 * 1024).build();
    }

    /**
     * Starts the container (with {@code filter} unless it is null) and nginx in front of it, and
     * runs every scenario with every body size.
     */
    public static List<Row> run(ServerController container, BodyDrainFilter filter, BodyHandling bodyHandling,
            Nginx.Upstream upstream, List<Scenario> scenarios, int... bodySizes) throws Exception {
        return run(container, filter, bodyHandling, upstreamPort -> Nginx.start(upstreamPort, upstream), scenarios,
                bodySizes);
    }

    /** Starts nginx in front of a container's port. */
    @FunctionalInterface
    public interface NginxStarter {
        Nginx start(int upstreamPort) throws Exception;
    }

    /** As {@link #run(ServerController, BodyDrainFilter, BodyHandling, Nginx.Upstream, List, int...)}, with nginx started by {@code starter}. */
    public static List<Row> run(ServerController container, BodyDrainFilter filter, BodyHandling bodyHandling,
            NginxStarter starter, List<Scenario> scenarios, int... bodySizes) throws Exception {
        int upstreamPort = container.start(filter, TestServlets.all(), bodyHandling);
        try (Nginx nginx = starter.start(upstreamPort)) {
            List<Row> rows = new ArrayList<>();
            for (Scenario scenario : scenarios) {
                for (int bodyBytes : bodySizes) {
                    nginx.clearErrorLog();
                    Load.Result result = Load.run(nginx.port(), scenario.path(), bodyBytes, scenario.status(),
                            REQUESTS, CONCURRENCY, BUDGET_MILLIS);
                    rows.add(new Row(scenario, bodyBytes, result, nginx.resetLines()));
                }
            }
            return rows;
        } finally {
            container.stop();
        }
    }
}
