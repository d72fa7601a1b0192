package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Clients users run, straight to the container at its defaults and the filter at its defaults:
 * curl with {@code Expect: 100-continue} (it waits up to a second for the invitation, then sends
 * anyway), Python {@code requests} and the JDK's {@code HttpClient}, with {@code expectContinue}
 * where the container can answer it. A servlet that never reads a 1 MiB upload answers 401 with 2 bytes or
 * 200 with 600 kB; every response must arrive whole. Each container module extends this with its
 * {@link ServerController}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
public abstract class RealClientsContract {

    private static final int UPLOAD = 1024 * 1024;
    private static final int REQUESTS = 20;

    private final ServerController server = controller();
    private final BodyDrainFilter filter = new BodyDrainFilter();
    private int port;
    private String python;
    @TempDir
    Path files;

    /** The container under test. */
    protected abstract ServerController controller();

    @BeforeAll
    void start() throws Exception {
        port = server.start(filter, TestServlets.all(), ServerController.BodyHandling.DEFAULT);
        python = python();
    }

    @AfterAll
    void stop() throws Exception {
        server.stop();
    }

    /**
     * Every client with both answers; the JDK's client with {@code expectContinue} only where the
     * container invites the body itself, see {@link #theJdkClientWaitsForAnInvitationThatNeverComes()}.
     */
    Stream<Arguments> cases() {
        List<String> clients = new ArrayList<>(List.of("curl", "python requests", "JDK HttpClient"));
        if (server.continuesBeforeTheApplicationReads()) {
            clients.add("JDK HttpClient expectContinue");
        }
        return clients.stream().flatMap(client -> Stream.of(Arguments.of(client, "401 with 2 B"),
                Arguments.of(client, "200 with 600 kB")));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void everyResponseArrivesWhole(String client, String answer) throws Exception {
        boolean large = answer.startsWith("200");
        int bytes = large ? Scenario.LARGE_RESPONSE : 2;
        String url = "http://127.0.0.1:" + port + "/ignore?status=" + (large ? 200 : 401) + "&bytes=" + bytes;
        Path upload = Files.write(files.resolve("upload.bin"), new byte[UPLOAD]);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String got = switch (client) {
                case "curl" -> run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "-H", "Content-Type: application/octet-stream", "-H", "Expect: 100-continue", "--data-binary", "@" + upload, url);
                case "python requests" -> run(python, "-c", "import requests, sys\n"
                        + "r = requests.post(sys.argv[1], data=open(sys.argv[2], 'rb').read(),"
                        + " headers={'Content-Type': 'application/octet-stream'})\n"
                        + "print(r.status_code, len(r.content))", url, upload.toString());
                default -> jdk(url, upload, client.endsWith("expectContinue"));
            };
            if (!got.equals((large ? 200 : 401) + " " + bytes)) {
                failures.add(got);
            }
        }
        System.out.printf("%s, %s, %s: %d of %d failed %s%n", server.name(), client, answer, failures.size(),
                REQUESTS, failures);
        assertEquals(List.of(), failures, client + " against " + server.name() + ", " + filter.getStats());
    }

    /**
     * A client bug no server can work around, shown for the record: the JDK's client (17.0.15)
     * with {@code expectContinue} waits for {@code 100 Continue} and never takes a final 401 in
     * its place, past its own request timeout, with the filter and without it. Only a container
     * that invites the body before the application runs (Tomcat) answers it.
     */
    @org.junit.jupiter.api.Test
    void theJdkClientWaitsForAnInvitationThatNeverComes() throws Exception {
        String path = "/ignore?status=401&bytes=2";
        ServerController bare = controller();
        int barePort = bare.start(null, TestServlets.all(), ServerController.BodyHandling.DEFAULT);
        try {
            boolean answered = server.continuesBeforeTheApplicationReads();
            assertEquals(answered, answersWithin(barePort, path), "without the filter, on " + server.name());
            assertEquals(answered, answersWithin(port, path), "with the filter, on " + server.name());
        } finally {
            bare.stop();
        }
    }

    private boolean answersWithin(int toPort, String path) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path))
                            .expectContinue(true).timeout(Duration.ofSeconds(1))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024])).build(),
                    HttpResponse.BodyHandlers.discarding()).get(5, TimeUnit.SECONDS).statusCode() == 401;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    private static String jdk(String url, Path upload, boolean expectContinue) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(url))
                    .expectContinue(expectContinue).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofFile(upload)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() + " " + response.body().length;
        } catch (IOException e) {
            return "failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The first Python on this machine that has requests: the one on the PATH, or Debian's. */
    private static String python() throws IOException, InterruptedException {
        for (String python : List.of("python3", "/usr/bin/python3")) {
            try {
                if (new ProcessBuilder(python, "-c", "import requests").start().waitFor() == 0) {
                    return python;
                }
            } catch (IOException notThere) {
                // try the next
            }
        }
        throw new IllegalStateException("no python3 with requests: run bin/setup (Debian's python3-requests)");
    }

    /** Runs a client as its own process; what it printed, or how it failed. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "no answer within 60 s";
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return process.exitValue() == 0 ? out : "exit " + process.exitValue() + ": " + out;
    }
}
