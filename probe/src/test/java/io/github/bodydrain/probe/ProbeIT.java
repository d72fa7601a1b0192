package io.github.bodydrain.probe;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.it.TestServlets;
import io.github.bodydrain.jetty.JettyController;
import io.github.bodydrain.tomcat.TomcatController;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe against this project's own stacks: nginx in front of Jetty and of Tomcat, both
 * upstream modes, each container at its defaults. Without the filter it must say "affected",
 * with it "not affected", and against an endpoint that reads its body "not affected" too.
 */
class ProbeIT {

    /**
     * Bodies past Tomcat's 2 MiB swallow and Jetty's already-arrived bytes, 8 of each case, to a
     * servlet that answers 600 kB unread.
     */
    private static final String[] CASES = {"--sizes", "4m,16m", "--repeat", "8", "--max-bytes", "1g"};

    static Stream<Arguments> stacks() {
        return Stream.of(Nginx.Upstream.values()).flatMap(upstream -> Stream.of(
                Arguments.of("Jetty", (Supplier<ServerController>) JettyController::new, upstream),
                Arguments.of("Tomcat", (Supplier<ServerController>) TomcatController::new, upstream)));
    }

    @ParameterizedTest(name = "{0}, nginx upstream {2}")
    @MethodSource("stacks")
    void withoutTheFilterItSaysAffected(String name, Supplier<ServerController> container, Nginx.Upstream upstream)
            throws Exception {
        Run run = probe(container.get(), null, upstream, "/ignore?bytes=600000");
        assertEquals(Probe.AFFECTED, run.exitCode, run::toString);
        assertTrue(run.out.contains("AFFECTED:"), run::toString);
        assertTrue(run.out.contains("install BodyDrainFilter"), run::toString);
    }

    @ParameterizedTest(name = "{0}, nginx upstream {2}")
    @MethodSource("stacks")
    void withTheFilterItSaysNotAffected(String name, Supplier<ServerController> container, Nginx.Upstream upstream)
            throws Exception {
        Run run = probe(container.get(), BodyDrainFilter.builder().build(), upstream, "/ignore?bytes=600000");
        assertEquals(Probe.NOT_AFFECTED, run.exitCode, run::toString);
        assertTrue(run.out.contains("NOT AFFECTED: all 64 responses arrived whole."), run::toString);
    }

    @ParameterizedTest(name = "{0}, nginx upstream {2}")
    @MethodSource("stacks")
    void anEndpointThatReadsItsBodyIsNotAffected(String name, Supplier<ServerController> container,
            Nginx.Upstream upstream) throws Exception {
        Run run = probe(container.get(), null, upstream, "/read-all");
        assertEquals(Probe.NOT_AFFECTED, run.exitCode, run::toString);
    }

    private static Run probe(ServerController container, BodyDrainFilter filter, Nginx.Upstream upstream, String path)
            throws Exception {
        int port = container.start(filter, TestServlets.all(), BodyHandling.DEFAULT);
        try (Nginx nginx = Nginx.start(port, upstream)) {
            String[] args = Stream.concat(Stream.of("http://127.0.0.1:" + nginx.port() + path), Stream.of(CASES))
                    .toArray(String[]::new);
            Run run = Run.of(args);
            System.out.println(container.name() + ", nginx upstream " + upstream + (filter == null ? ", without" : ", with")
                    + " the filter, " + path + ":\n" + run.out + run.err);
            return run;
        } finally {
            container.stop();
        }
    }

    /** One run of the probe: its exit code and what it printed. */
    record Run(int exitCode, String out, String err) {
        static Run of(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Probe.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
