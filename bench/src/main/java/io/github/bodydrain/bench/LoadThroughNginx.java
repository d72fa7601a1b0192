package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.it.TestServlets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** wrk through nginx in front of a container, the container with its defaults. */
final class LoadThroughNginx {

    /** One wrk run. */
    record Result(double requestsPerSecond, long requests, long non2xx, long socketErrors, int resetLines) {
        long failures() {
            return non2xx + socketErrors;
        }

        /** Several runs as one: the mean rate, the sums of the counts. */
        static Result combine(java.util.List<Result> runs) {
            return new Result(runs.stream().mapToDouble(Result::requestsPerSecond).average().orElseThrow(), runs.stream().mapToLong(Result::requests).sum(),
                    runs.stream().mapToLong(Result::non2xx).sum(), runs.stream().mapToLong(Result::socketErrors).sum(),
                    runs.stream().mapToInt(Result::resetLines).sum());
        }
    }

    static final int CONNECTIONS = 32;

    private LoadThroughNginx() {
    }

    static Result run(ServerController container, boolean withFilter, String path, int bodyBytes, int seconds)
            throws Exception {
        BodyDrainFilter filter = withFilter ? BodyDrainFilter.builder().maxBytes(8L << 20).build() : null;
        int upstreamPort = container.start(filter, TestServlets.all(), BodyHandling.DEFAULT);
        try (Nginx nginx = Nginx.start(upstreamPort, Nginx.Upstream.DEFAULT)) {
            String output = wrk("http://127.0.0.1:" + nginx.port() + path, bodyBytes, seconds);
            int resets = nginx.resetLines().values().stream().mapToInt(Integer::intValue).sum();
            return new Result(number(output, "Requests/sec:\\s+([0-9.]+)"),
                    (long) number(output, "([0-9]+) requests in"),
                    (long) number(output, "Non-2xx or 3xx responses:\\s+([0-9]+)"),
                    socketErrors(output), resets);
        } finally {
            container.stop();
        }
    }

    private static String wrk(String url, int bodyBytes, int seconds) throws IOException, InterruptedException {
        Path script = Files.createTempFile("post", ".lua");
        try (var in = LoadThroughNginx.class.getResourceAsStream("/post.lua")) {
            Files.write(script, in.readAllBytes());
        }
        try {
            ProcessBuilder builder = new ProcessBuilder("wrk", "-t2", "-c" + CONNECTIONS, "-d" + seconds + "s",
                    "--timeout", "10s", "-s", script.toString(), url).redirectErrorStream(true);
            builder.environment().putAll(Map.of("BODY_BYTES", Integer.toString(bodyBytes)));
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(seconds + 30L, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("wrk failed: " + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static double number(String output, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(output);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private static long socketErrors(String output) {
        Matcher matcher = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                .matcher(output);
        if (!matcher.find()) {
            return 0;
        }
        long sum = 0;
        for (int i = 1; i <= 4; i++) {
            sum += Long.parseLong(matcher.group(i));
        }
        return sum;
    }
}
