package io.github.bodydrain.demo;

import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.NginxProof;
import io.github.bodydrain.it.NginxProof.Row;
import io.github.bodydrain.it.Scenario;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.jetty.JettyController;
import io.github.bodydrain.tomcat.TomcatController;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.logging.LogManager;

/**
 * nginx in front of Jetty 12 and Tomcat 11, each as users run it (the container's defaults, nginx's
 * default upstream settings): the same requests without the filter and with it, side by side.
 */
public final class Demonstration {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    /** What is run: a scenario and the body sizes it is run with. */
    private record Case(Scenario scenario, int... bodies) {
    }

    private static final List<Case> CASES = List.of(
            new Case(Scenario.IGNORE_LARGE, 256 * KIB, MIB, 4 * MIB),
            new Case(Scenario.IGNORE_SMALL, MIB, 4 * MIB),
            new Case(Scenario.STATUS_401, 4 * MIB),
            new Case(Scenario.EXCEPTION, 4 * MIB));

    private Demonstration() {
    }

    public static void main(String[] args) throws Exception {
        // exec:java runs in Maven's JVM, whose logging is configured before this class loads.
        try (InputStream config = Demonstration.class.getResourceAsStream("/logging.properties")) {
            LogManager.getLogManager().readConfiguration(config);
        }
        long started = System.nanoTime();
        System.out.printf("body-drain demonstration: %s behind %s, %d requests a row, %d at a time%n%n",
                "embedded containers", nginxVersion(), NginxProof.REQUESTS, NginxProof.CONCURRENCY);
        for (ServerController container : List.of(new JettyController(), new TomcatController())) {
            table(container);
        }
        System.out.printf("Failed: a 502, a response whose body arrived short, or a connection error."
                + "%nResets: nginx error.log lines recv()/readv()/writev() failed and 'upstream prematurely closed'."
                + "%nTook %d s.%n", (System.nanoTime() - started) / 1_000_000_000);
    }

    private static void table(ServerController container) throws Exception {
        System.out.printf("%s (container defaults), nginx default upstream (HTTP/1.0, no keepalive)%n",
                container.name());
        System.out.printf("  %-32s %8s | %-22s | %-22s%n", "servlet", "body", "without the filter", "with the filter");
        System.out.printf("  %-32s %8s | %-22s | %-22s%n", "", "", "failed / resets", "failed / resets");
        for (Case c : CASES) {
            List<Row> without = NginxProof.run(container, null, BodyHandling.DEFAULT, Nginx.Upstream.DEFAULT,
                    List.of(c.scenario()), c.bodies());
            List<Row> with = NginxProof.run(container, NginxProof.filter(), BodyHandling.DEFAULT,
                    Nginx.Upstream.DEFAULT, List.of(c.scenario()), c.bodies());
            for (int i = 0; i < without.size(); i++) {
                System.out.printf("  %-32s %8s | %-22s | %-22s%n", c.scenario().name(), size(without.get(i).bodyBytes()),
                        cell(without.get(i)), cell(with.get(i)));
            }
        }
        System.out.println();
    }

    private static String cell(Row row) {
        return String.format(Locale.ROOT, "%3d of %d / %3d", row.failures(), row.result().requests(),
                row.resetLineCount());
    }

    private static String size(int bytes) {
        return bytes >= MIB ? bytes / MIB + " MiB" : bytes / KIB + " KiB";
    }

    private static String nginxVersion() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(Nginx.binary(), "-v").redirectErrorStream(true).start();
        try (InputStream in = process.getInputStream()) {
            String version = new String(in.readAllBytes()).trim();
            process.waitFor();
            return version.replace("nginx version: ", "");
        }
    }
}
