package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.ServerController.BodyHandling;
import io.github.bodydrain.it.TestServlets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A thousand clients that announce a 1 MiB upload and send nothing, against a container with 16
 * request threads and a 30 s read timeout, to an endpoint that answers 401 without reading: are
 * the normal requests sent meanwhile served? Without the filter, with it draining on the request
 * thread, and with it draining without a thread. Bounded: about 8 s a row.
 */
final class SilentUploads {

    static final int SILENT = 1_000;
    static final int THREADS = 16;
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /** How long the normal requests are sent, one after the other, while the silent ones wait. */
    static final long NORMAL_MILLIS = 5_000;
    static final int NORMAL_TIMEOUT_MS = 1_000;

    record Row(String container, String filter, int served, int tried, double p50Ms, double p99Ms) {
    }

    private SilentUploads() {
    }

    static List<Row> run(Supplier<ServerController> container) throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.add(measure(container, "none", null));
        rows.add(measure(container, "on the request thread (nonBlocking=false)",
                BodyDrainFilter.builder().nonBlocking(false).build()));
        rows.add(measure(container, "without a thread (default)", new BodyDrainFilter()));
        return rows;
    }

    private static Row measure(Supplier<ServerController> container, String mode, BodyDrainFilter filter)
            throws Exception {
        ServerController server = container.get().readTimeout(READ_TIMEOUT).workerThreads(THREADS);
        int port = server.start(filter, Map.of("/status", TestServlets.setsStatus(), "/ignore",
                TestServlets.ignoresBody()), BodyHandling.DEFAULT);
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < SILENT; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.getOutputStream().write(("POST /status?status=401 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 1048576\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                silent.add(socket);
            }
            List<Long> latencies = new ArrayList<>();
            int tried = 0;
            long until = System.nanoTime() + NORMAL_MILLIS * 1_000_000;
            while (System.nanoTime() < until) {
                tried++;
                long started = System.nanoTime();
                if (normalRequest(port)) {
                    latencies.add(System.nanoTime() - started);
                }
            }
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            Row row = new Row(server.name(), mode, sorted.length, tried, percentile(sorted, 0.50),
                    percentile(sorted, 0.99));
            System.out.println("SILENT UPLOADS | " + row);
            return row;
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
            server.stop();
        }
    }

    /** A GET answered with 2 bytes, on its own connection, within a second. */
    private static boolean normalRequest(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), NORMAL_TIMEOUT_MS);
            socket.setSoTimeout(NORMAL_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write("GET /ignore?bytes=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.startsWith("HTTP/1.1 200");
        } catch (IOException timedOutOrRefused) {
            return false;
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    static String table(List<Row> rows) {
        StringBuilder md = new StringBuilder("| Container | Filter | Normal requests served | p50 | p99 |\n"
                + "|---|---|---|---|---|\n");
        for (Row row : rows) {
            md.append(String.format(java.util.Locale.ROOT, "| %s | %s | %d of %d | %s | %s |%n", row.container(),
                    row.filter(), row.served(), row.tried(), ms(row.p50Ms()), ms(row.p99Ms())));
        }
        return md.toString();
    }

    private static String ms(double millis) {
        return Double.isNaN(millis) ? "-" : String.format(java.util.Locale.ROOT, "%.1f ms", millis);
    }
}
