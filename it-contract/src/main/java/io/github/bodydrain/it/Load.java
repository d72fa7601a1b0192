package io.github.bodydrain.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load through nginx: a fixed number of POSTs from a few threads, each on its own
 * connection, stopping early at a deadline. Every response is read to its end and classified.
 */
public final class Load {

    /** How one request ended. */
    public enum Outcome {
        /** The expected status, the body whole. */
        OK,
        /** 502 Bad Gateway: nginx lost the upstream before the response header. */
        BAD_GATEWAY,
        /** The expected status, but the body stopped short: the upstream reset mid-response. */
        SHORT,
        /** Any other status. */
        OTHER_STATUS,
        /** The connection to nginx failed. */
        CONNECTION_ERROR
    }

    private static final int SOCKET_TIMEOUT_MS = 20_000;

    private Load() {
    }

    /** Counts by outcome; {@link #failures()} is everything but OK. */
    public record Result(int requests, int ok, int badGateway, int shortBody, int otherStatus, int connectionErrors,
            long millis, String firstFailure) {

        public int failures() {
            return badGateway + shortBody + otherStatus + connectionErrors;
        }

        @Override
        public String toString() {
            return failures() + " of " + requests + " failed (502: " + badGateway + ", short: " + shortBody
                    + ", other status: " + otherStatus + ", connection errors: " + connectionErrors + ") in "
                    + millis + " ms" + (firstFailure == null ? "" : "; first failure: " + firstFailure);
        }
    }

    /**
     * Sends {@code requests} POSTs of {@code bodyBytes} to {@code path} on 127.0.0.1:{@code port},
     * {@code concurrency} at a time, and stops issuing new ones after {@code budgetMillis}.
     */
    public static Result run(int port, String path, int bodyBytes, int expectedStatus, int requests, int concurrency,
            long budgetMillis) throws InterruptedException {
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) 'b');
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodyBytes + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long started = System.nanoTime();
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        AtomicInteger issued = new AtomicInteger();
        int[] counts = new int[Outcome.values().length];
        String[] firstFailure = new String[1];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    while (issued.getAndIncrement() < requests && System.nanoTime() < deadline) {
                        String failure = exchange(port, head, body, expectedStatus);
                        Outcome outcome = classify(failure);
                        synchronized (counts) {
                            counts[outcome.ordinal()]++;
                            if (outcome != Outcome.OK && firstFailure[0] == null) {
                                firstFailure[0] = failure;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                try {
                    worker.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
        int sent = Arrays.stream(counts).sum();
        return new Result(sent, counts[Outcome.OK.ordinal()], counts[Outcome.BAD_GATEWAY.ordinal()],
                counts[Outcome.SHORT.ordinal()], counts[Outcome.OTHER_STATUS.ordinal()],
                counts[Outcome.CONNECTION_ERROR.ordinal()], (System.nanoTime() - started) / 1_000_000, firstFailure[0]);
    }

    private static Outcome classify(String failure) {
        if (failure == null) {
            return Outcome.OK;
        }
        return Outcome.valueOf(failure.substring(0, failure.indexOf(':')));
    }

    /** One exchange; null if it went as expected, else "OUTCOME: detail". */
    private static String exchange(int port, byte[] head, byte[] body, int expectedStatus) {
        byte[] response;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
            response = readToEnd(socket.getInputStream());
        } catch (IOException e) {
            return Outcome.CONNECTION_ERROR + ": " + e;
        }
        return HttpResponse.parse(response).check(expectedStatus);
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[32 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (java.net.SocketException e) {
            // nginx reset us after a short response: what arrived is judged below.
        }
        return all.toByteArray();
    }

    /** Just enough HTTP/1.1 response parsing to tell a whole body from a short one. */
    private record HttpResponse(int status, long declaredLength, boolean chunked, byte[] body) {

        static HttpResponse parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int headerEnd = text.indexOf("\r\n\r\n");
            if (headerEnd < 0 || !text.startsWith("HTTP/1.")) {
                return new HttpResponse(-1, -1, false, bytes);
            }
            String[] lines = text.substring(0, headerEnd).split("\r\n");
            long declared = -1;
            boolean chunked = false;
            for (String line : lines) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    declared = Long.parseLong(line.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            return new HttpResponse(Integer.parseInt(lines[0].split(" ")[1]), declared, chunked,
                    Arrays.copyOfRange(bytes, headerEnd + 4, bytes.length));
        }

        String check(int expectedStatus) {
            if (status == -1) {
                return Outcome.CONNECTION_ERROR + ": no response header in " + body.length + " bytes";
            }
            if (status == 502) {
                return Outcome.BAD_GATEWAY + ": 502";
            }
            if (status != expectedStatus) {
                return Outcome.OTHER_STATUS + ": " + status;
            }
            if (declaredLength >= 0 && body.length < declaredLength) {
                return Outcome.SHORT + ": " + body.length + " of " + declaredLength + " bytes";
            }
            if (chunked && !endsWithLastChunk()) {
                return Outcome.SHORT + ": chunked body without its last chunk after " + body.length + " bytes";
            }
            return null;
        }

        private boolean endsWithLastChunk() {
            String tail = new String(body, Math.max(0, body.length - 7), Math.min(7, body.length),
                    StandardCharsets.ISO_8859_1);
            return tail.endsWith("\r\n0\r\n\r\n") || tail.equals("0\r\n\r\n");
        }
    }
}
