package io.github.bodydrain.samples.boot;

import io.github.bodydrain.it.KeepAliveConnection;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.Nginx.Upstream;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What users meet behind nginx ({@code client_max_body_size 256m}, the upstream closed after each
 * request or kept alive, four clients at once): multipart uploads of 2, 5, 20 and 100 MiB
 * over the sample's 1 MB limit, answered 413 by a {@code @RestControllerAdvice}, and a 5 MiB JSON
 * POST answered 401 by Spring Security. Each answer must reach the client whole.
 */
final class UploadsBehindNginx {

    static final int MIB = 1024 * 1024;
    static final int[] UPLOAD_MIB = {2, 5, 20, 100};
    static final int UPLOADS_PER_SIZE = 5;
    static final int CLIENTS = 4;

    /** The outcome of every request in one upstream mode: what failed, and how. */
    record Run(String proxy, int requests, List<String> failures, Map<String, Integer> resetLines) {
        @Override
        public String toString() {
            return proxy + ": " + failures.size() + " of " + requests + " failed " + failures + ", nginx "
                    + resetLines;
        }
    }

    private UploadsBehindNginx() {
    }

    /**
     * Sends every upload through a new nginx: with request buffering (nginx's default: the whole
     * body reaches nginx first) or streaming ({@code proxy_request_buffering off}, the body flows at
     * the client's pace, as through HAProxy, Envoy or an ALB).
     */
    static Run run(int appPort, Upstream upstream, boolean streaming) throws Exception {
        int port = Nginx.freePort();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<Map.Entry<String, byte[]>> multiparts = new ArrayList<>();
        for (int mib : UPLOAD_MIB) {
            multiparts.add(KeepAliveConnection.multipart(mib * MIB));
        }
        byte[] json = json(5 * MIB);
        try (Nginx nginx = Nginx.start(port, Nginx.site(port, appPort, upstream, "256m", !streaming))) {
            // Clients at once, as a service sees them: alone, the race that loses a response is rare.
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<List<String>>> sent = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    sent.add(clients.submit(() -> oneClient(client, port, multiparts, json)));
                }
                List<String> failures = new ArrayList<>();
                for (Future<List<String>> each : sent) {
                    failures.addAll(each.get(240, TimeUnit.SECONDS));
                }
                int requests = CLIENTS * (UPLOAD_MIB.length + 1) * UPLOADS_PER_SIZE;
                return new Run((streaming ? "streaming, " : "buffering, ") + upstream, requests, failures,
                        nginx.resetLines());
            } finally {
                clients.shutdownNow();
            }
        }
    }

    private static List<String> oneClient(HttpClient client, int port, List<Map.Entry<String, byte[]>> multiparts,
            byte[] json)
            throws InterruptedException {
        List<String> failures = new ArrayList<>();
        URI files = URI.create("http://127.0.0.1:" + port + "/files");
        URI orders = URI.create("http://127.0.0.1:" + port + "/api/orders");
        for (int i = 0; i < UPLOADS_PER_SIZE; i++) {
            for (int size = 0; size < UPLOAD_MIB.length; size++) {
                String got = send(client, HttpRequest.newBuilder(files)
                        .header("Content-Type", multiparts.get(size).getKey())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(multiparts.get(size).getValue())));
                if (!got.equals("413 {\"error\":\"file too large\"}")) {
                    failures.add(UPLOAD_MIB[size] + " MiB upload: " + got.lines().findFirst().orElse(""));
                }
            }
            String got = send(client, HttpRequest.newBuilder(orders).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json)));
            if (!got.startsWith("401 ")) {
                failures.add("5 MiB JSON without credentials: " + got.lines().findFirst().orElse(""));
            }
        }
        return failures;
    }

    private static String send(HttpClient client, HttpRequest.Builder request) throws InterruptedException {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    private static byte[] json(int bytes) {
        StringBuilder json = new StringBuilder(bytes + 64).append("{\"items\":[");
        while (json.length() < bytes) {
            json.append("{\"sku\":\"A-1000\",\"quantity\":1},");
        }
        json.setLength(json.length() - 1);
        return json.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
