package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.KeepAliveConnection;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.TestServlets;

import java.util.Arrays;

/**
 * Time to get rid of a body on loopback, side by side on one container: the filter draining a
 * body the servlet ignores, against the servlet reading the same body itself with an 8 KiB
 * buffer ({@code InputStream.transferTo}), no filter. Requests alternate on two keep-alive
 * connections, so both see the same machine.
 */
final class DrainSpeed {

    /** One body size on one container: medians in microseconds, and their ratio. */
    record Result(String container, int bodyBytes, double drainMicros, double readMicros, double ratio) {
    }

    private static final int WARMUP = 50;
    private static final int MEASURED = 200;

    private DrainSpeed() {
    }

    /** {@code runs} runs on fresh containers: the medians of their medians, and of their ratios. */
    static Result medianOfRuns(java.util.function.Supplier<ServerController> container, int bodyBytes, int runs)
            throws Exception {
        long[] drain = new long[runs];
        long[] read = new long[runs];
        long[] ratioPermille = new long[runs];
        String name = null;
        for (int i = 0; i < runs; i++) {
            Result run = measure(container.get(), container.get(), bodyBytes);
            name = run.container();
            drain[i] = Math.round(run.drainMicros());
            read[i] = Math.round(run.readMicros());
            ratioPermille[i] = Math.round(run.ratio() * 1000);
        }
        return new Result(name, bodyBytes, median(drain), median(read), median(ratioPermille) / 1000);
    }

    static Result measure(ServerController drained, ServerController read, int bodyBytes) throws Exception {
        int drainPort = drained.start(BodyDrainFilter.builder().maxBytes(8L << 20).build(), TestServlets.all());
        int readPort = read.start(null, TestServlets.all());
        try (Client drain = new Client(drainPort, "/ignore?bytes=2"); Client self = new Client(readPort, "/read-all")) {
            long[] drainNanos = new long[MEASURED];
            long[] readNanos = new long[MEASURED];
            for (int i = -WARMUP; i < MEASURED; i++) {
                // Which goes first alternates, so that neither always finds the machine warmer.
                boolean drainFirst = (i & 1) == 0;
                long readTime = drainFirst ? 0 : self.time(bodyBytes);
                long drainTime = drain.time(bodyBytes);
                if (drainFirst) {
                    readTime = self.time(bodyBytes);
                }
                if (i >= 0) {
                    drainNanos[i] = drainTime;
                    readNanos[i] = readTime;
                }
            }
            double drainMicros = median(drainNanos) / 1e3;
            double readMicros = median(readNanos) / 1e3;
            return new Result(drained.name(), bodyBytes, drainMicros, readMicros, drainMicros / readMicros);
        } finally {
            drained.stop();
            read.stop();
        }
    }

    /** A keep-alive client that opens a new connection when the server closes one (Tomcat: every 100 requests). */
    private static final class Client implements AutoCloseable {
        private final int port;
        private final String path;
        private KeepAliveConnection connection;

        Client(int port, String path) {
            this.port = port;
            this.path = path;
        }

        long time(int bodyBytes) throws Exception {
            if (connection == null) {
                connection = new KeepAliveConnection(port);
            }
            long started = System.nanoTime();
            KeepAliveConnection.Response response = connection.post(path, bodyBytes);
            long elapsed = System.nanoTime() - started;
            if (response.status() != 200) {
                throw new IllegalStateException(path + " answered " + response.status());
            }
            if (response.closesConnection()) {
                close();
            }
            return elapsed;
        }

        @Override
        public void close() throws java.io.IOException {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
}
