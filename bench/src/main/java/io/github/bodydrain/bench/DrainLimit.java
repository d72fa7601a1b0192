package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.TestServlets;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Bytes of body got rid of per CPU-second of this process, side by side in alternating batches:
 * the filter draining a body the servlet ignores (at its defaults, without a thread), the servlet
 * reading the same body itself with an 8 KiB buffer ({@code InputStream.transferTo}) and no
 * filter, and a plain socket read loop with an 8 KiB buffer on loopback: what reading the bytes
 * costs at all. The {@link LoadClient} sends from the other CPU.
 */
final class DrainLimit {

    static final int MIB = 1024 * 1024;
    static final int[] BODIES = {MIB, 16 * MIB, 100 * MIB};
    static final int BATCHES = Integer.getInteger("bench.drainBatches", 20);
    /** Body bytes per batch and way, about a third of a second of reading here. */
    static final long BYTES_PER_BATCH = 400L * MIB;

    /** One body size: bytes per CPU-second of each way, and the two ratios with their intervals. */
    record Row(String container, int bodyBytes, double drainRate, double readRate, double socketRate,
               Stats drainOverRead, Stats readOverSocket) {
    }

    private DrainLimit() {
    }

    static List<Row> run(Supplier<ServerController> containers, LoadClient client) throws Exception {
        ServerController drained = containers.get();
        ServerController read = containers.get();
        int drainPort = ThreadCpu.claim("drain", () -> drained.start(BodyDrainFilter.builder().build(),
                TestServlets.all()), "body-drain-deadlines");
        int readPort = ThreadCpu.claim("read", () -> read.start(null, TestServlets.all()));
        List<Row> rows = new ArrayList<>();
        try (ReadLoop socket = ThreadCpu.claim("socket", ReadLoop::new)) {
            List<Integer> ports = List.of(drainPort, readPort, socket.port());
            for (int body : BODIES) {
                int rounds = (int) Math.max(1, BYTES_PER_BATCH / body);
                // The drain's path ends in /ignore; the others read whatever path they are sent.
                client.send(List.of(drainPort), "POST", "/ignore?bytes=2", body, rounds);
                client.send(List.of(readPort, socket.port()), "POST", "/read-all", body, rounds);
                List<Double> drainOverRead = new ArrayList<>();
                List<Double> readOverSocket = new ArrayList<>();
                Map<String, Long> totals = new HashMap<>();
                for (int batch = 0; batch < BATCHES; batch++) {
                    Map<String, Long> cpu = batch(client, drainPort, readPort, socket.port(), body, rounds);
                    cpu.forEach((group, nanos) -> totals.merge(group, nanos, Long::sum));
                    drainOverRead.add((double) cpu.get("drain") / cpu.get("read"));
                    readOverSocket.add((double) cpu.get("read") / cpu.get("socket"));
                }
                double bytes = (double) body * rounds * BATCHES;
                rows.add(new Row(drained.name(), body, bytes / (totals.get("drain") / 1e9),
                        bytes / (totals.get("read") / 1e9), bytes / (totals.get("socket") / 1e9),
                        Stats.of(drainOverRead), Stats.of(readOverSocket)));
            }
        } finally {
            drained.stop();
            read.stop();
        }
        return rows;
    }

    /**
     * One batch: rounds of one body to each way, the three over the same moments; each way's CPU
     * is its own threads'. Measured again if a thread ended during it.
     */
    private static Map<String, Long> batch(LoadClient client, int drainPort, int readPort, int socketPort, int body,
            int rounds) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            ThreadCpu.Snapshot before = ThreadCpu.now();
            // The load client sends one path to every port; the drain's instance answers any path
            // without reading, through /ignore, so it is given its own run within the same round.
            for (int round = 0; round < rounds; round++) {
                client.send(List.of(drainPort), "POST", "/ignore?bytes=2", body, 1);
                client.send(round % 2 == 0 ? List.of(readPort, socketPort) : List.of(socketPort, readPort), "POST",
                        "/read-all", body, 1);
            }
            Map<String, Long> cpu = ThreadCpu.now().since(before);
            if (cpu != null) {
                return cpu;
            }
        }
        throw new IllegalStateException("threads kept ending during every batch");
    }

    /**
     * The least a server can do with a request: read its head, read its body into an 8 KiB buffer,
     * answer {@code 200} with a one-byte body. One thread per connection.
     */
    static final class ReadLoop implements AutoCloseable {
        private static final byte[] ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0"
                .getBytes(StandardCharsets.US_ASCII);
        private final ServerSocket server;
        private final Thread acceptor;

        ReadLoop() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = new Thread(this::accept, "read-loop-0");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread reader = new Thread(() -> serve(socket), "read-loop-" + socket.getPort());
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private static void serve(Socket socket) {
            byte[] buffer = new byte[8192];
            try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 8192)) {
                OutputStream out = socket.getOutputStream();
                while (true) {
                    long length = contentLength(in);
                    if (length < 0) {
                        return;
                    }
                    for (long left = length; left > 0; ) {
                        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                        if (n < 0) {
                            return;
                        }
                        left -= n;
                    }
                    out.write(ANSWER);
                    out.flush();
                }
            } catch (IOException gone) {
                // the client closed the connection
            }
        }

        /** Reads a request head; its Content-Length, or -1 at the end of the connection. */
        private static long contentLength(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            long length = 0;
            boolean any = false;
            for (int b; (b = in.read()) >= 0; ) {
                any = true;
                if (b == '\n') {
                    if (line.length() == 0) {
                        return length;
                    }
                    String header = line.toString().toLowerCase(java.util.Locale.ROOT);
                    if (header.startsWith("content-length:")) {
                        length = Long.parseLong(header.substring(15).trim());
                    }
                    line.setLength(0);
                } else if (b != '\r') {
                    line.append((char) b);
                }
            }
            if (any) {
                throw new IOException("connection closed mid-head");
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
