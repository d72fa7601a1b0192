package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainStats;
import io.github.bodydrain.it.KeepAliveConnection.Response;
import io.github.bodydrain.it.ServerController.BodyHandling;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken input straight to the container, one nested class per group: the drain is
 * bounded, never costs the response or a thread beyond its bound, and never puts an exception in
 * the container's log. Which bound ended each drain is asserted through the filter's counters
 * (a drain that ignored {@code timeoutMs} would end by error or not at all); the times are
 * measured and reported as {@code RELIABILITY |} lines, from which docs/RELIABILITY.md is
 * written, never asserted.
 */
@Timeout(180)
public abstract class HostileInputContract {

    protected static final int KIB = 1024;
    protected static final int MIB = 1024 * KIB;
    /** The filter's time bound in these tests. */
    protected static final long TIMEOUT_MS = 1_000;
    /** The container's read timeout: what bounds one read that receives nothing. */
    protected static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    private final ServerController server = controller().readTimeout(READ_TIMEOUT);
    private ContainerLog log;
    protected BodyDrainFilter filter;
    protected int port;

    /** The container under test. */
    protected abstract ServerController controller();

    @BeforeEach
    void start() throws Exception {
        log = new ContainerLog();
        filter = BodyDrainFilter.builder().maxBytes(4 * MIB).timeoutMs(TIMEOUT_MS).build();
        port = server.start(filter, TestServlets.all(), BodyHandling.OFF);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            server.stop();
        } finally {
            log.close();
        }
    }

    private void report(String group, String kase, String outcome, long millis) {
        System.out.printf(Locale.ROOT, "RELIABILITY | %s | %s | %s | %s | %d ms%n", server.name(), group, kase,
                outcome, millis);
    }

    private void assertNoExceptionLogged() {
        assertEquals(List.of(), log.exceptions(), "exceptions in the container's log");
    }

    /** Nothing in the container's log, and a fresh connection still gets a normal upload answered. */
    private void assertServerUnharmed() throws IOException {
        assertServesNormalRequests();
        assertNoExceptionLogged();
    }

    /** A fresh connection still gets a normal upload read and answered. */
    private void assertServesNormalRequests() throws IOException {
        try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
            Response response = connection.post("/read-all", 1000);
            assertEquals(200, response.status(), response::toString);
            assertEquals("1000", new String(response.body()));
        }
    }

    /** Waits, bounded, until the filter has counted what the test expects. */
    private static void awaitCount(LongSupplier count, long expected, DrainStats stats) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count.getAsLong() < expected && System.nanoTime() < deadline) {
            // Polls a condition (the filter's counter), bounded by the deadline.
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertEquals(expected, count.getAsLong(), stats::toString);
    }

    private static String post(String path, String... headers) {
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Drips one byte a second until told to stop, for at most 60 bytes. */
    private static Thread drip(KeepAliveConnection connection, CountDownLatch stop) {
        Thread dripper = new Thread(() -> {
            try {
                for (int i = 0; i < 60 && !stop.await(1, TimeUnit.SECONDS); i++) {
                    connection.write("x");
                }
            } catch (IOException | InterruptedException closed) {
                // The server closed the connection: the drip is over.
            }
        }, "drip");
        dripper.setDaemon(true);
        dripper.start();
        return dripper;
    }

    /** Case 1: Content-Length 1 MiB, 64 KiB at once, then one byte a second. */
    @Nested
    class SlowDrip {
        @Test
        void theRequestThreadIsFreeWithinTheTimeBound() throws Exception {
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                CountDownLatch answered = new CountDownLatch(1);
                connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + MIB));
                connection.write(new byte[64 * KIB]);
                long started = System.nanoTime();
                drip(connection, answered);
                Response response = connection.response();
                long millis = millisSince(started);
                answered.countDown();

                assertEquals(401, response.status(), response::toString);
                assertTrue(response.closesConnection(), response::toString);
                report("1 slow drip", "1 MiB declared, 1 B/s", "401 + Connection: close, drain stopped by timeoutMs",
                        millis);
            }
            assertEquals(1, filter.getStats().getStoppedByTimeout(), filter.getStats()::toString);
            assertServerUnharmed();
        }
    }

    /** Case 2: Content-Length 10 GiB, 1 MiB actually sent. */
    @Nested
    class DeclaredLengthFarBeyondTheLimit {
        @Test
        void nothingIsReadAndTheConnectionCloses() throws Exception {
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                long started = System.nanoTime();
                connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + (10L << 30)));
                Thread sender = new Thread(() -> {
                    try {
                        connection.write(new byte[MIB]);
                    } catch (IOException closed) {
                        // The server closed the connection, as it should.
                    }
                });
                sender.setDaemon(true);
                sender.start();
                Response response = connection.response();

                assertEquals(401, response.status(), response::toString);
                assertTrue(response.closesConnection(), response::toString);
                report("2 declared length", "10 GiB declared, 1 MiB sent", "401 + Connection: close, 0 bytes read",
                        millisSince(started));
            }
            assertEquals(1, filter.getStats().getSkippedOverLimit(), filter.getStats()::toString);
            assertEquals(0, filter.getStats().getDrainedBytes(), filter.getStats()::toString);
            assertServerUnharmed();
        }
    }

    /** Case 3: Content-Length 1 MiB, 100 KiB sent, then the client closes its side or just waits. */
    @Nested
    class BodyShorterThanDeclared {
        @ParameterizedTest(name = "client {0}")
        @ValueSource(strings = {"half-closes", "waits"})
        void theDrainStopsAndNothingEscapes(String client) throws Exception {
            String outcome;
            long millis;
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + MIB));
                connection.write(new byte[100 * KIB]);
                long started = System.nanoTime();
                if (client.equals("half-closes")) {
                    connection.shutdownOutput();
                }
                outcome = describe(connection);
                millis = millisSince(started);
            }
            DrainStats stats = filter.getStats();
            awaitCount(() -> stats.getStoppedByError() + stats.getStoppedByTimeout(), 1, stats);
            report("3 short body", "1 MiB declared, 100 KiB sent, client " + client, outcome
                    + (stats.getStoppedByError() == 1 ? ", drain stopped by the failed read" : ", drain stopped by timeoutMs"),
                    millis);
            assertServerUnharmed();
        }
    }

    /** What the client got: a response, or how the connection ended without one. */
    private static String describe(KeepAliveConnection connection) {
        try {
            Response response = connection.response();
            return response.status() + (response.closesConnection() ? " + Connection: close" : "");
        } catch (IOException e) {
            return "no response (" + e.getMessage() + ")";
        }
    }

    /** Case 4: chunked bodies, valid and not. */
    @Nested
    class ChunkedBodies {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "chunk extensions|5;name=value~hello~0~~|true",
            "trailers|5~hello~0~X-Trailer: yes~~|true",
            "malformed chunk size|zz~hello~0~~|false",
            "over-long chunk-size line|LONG|false",
        })
        void aChunkedBodyNeverCostsTheServer(String kase, String body, boolean valid) throws Exception {
            // ~ stands for CRLF, which the CSV source cannot hold.
            String chunked = (body.equals("LONG") ? "1;" + "x".repeat(64 * KIB) + "~h~0~~" : body).replace("~", "\r\n");
            long started = System.nanoTime();
            String outcome;
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(post("/ignore?status=401&bytes=2", "Transfer-Encoding: chunked") + chunked);
                outcome = describe(connection);
                if (valid) {
                    assertTrue(outcome.equals("401"), outcome);
                    Response next = connection.post("/read-all", 10);
                    assertEquals(200, next.status(), "the same connection serves the next request");
                    outcome += ", connection reused";
                }
            }
            report("4 chunked", kase, outcome, millisSince(started));
            assertServerUnharmed();
        }
    }

    /** Case 5: the client resets the connection while the filter drains. */
    @Nested
    class ClientResetMidDrain {
        @Test
        void noErrorIsLoggedAndNothingEscapes() throws Exception {
            long started = System.nanoTime();
            KeepAliveConnection connection = new KeepAliveConnection(port);
            connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + MIB));
            connection.write(new byte[100 * KIB]);
            connection.reset();

            DrainStats stats = filter.getStats();
            awaitCount(stats::getStoppedByError, 1, stats);
            report("5 client reset", "RST after 100 KiB of 1 MiB", "drain stopped by the failed read",
                    millisSince(started));
            assertServerUnharmed();
        }
    }

    /** Case 6: a second request right behind a body on a keep-alive connection. */
    @Nested
    class Pipelining {
        @ParameterizedTest(name = "{0} body first")
        @ValueSource(strings = {"Content-Length", "chunked"})
        void theNextRequestIsServedIntact(String framing) throws Exception {
            String first = framing.equals("chunked")
                    ? post("/ignore?status=401&bytes=2", "Transfer-Encoding: chunked") + "3e8\r\n" + "b".repeat(1000)
                            + "\r\n0\r\n\r\n"
                    : post("/ignore?status=401&bytes=2", "Content-Length: 1000") + "b".repeat(1000);
            String second = post("/read-all", "Content-Length: 5") + "hello";
            long started = System.nanoTime();
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(first + second);
                Response one = connection.response();
                Response two = connection.response();
                assertEquals(401, one.status(), one::toString);
                assertEquals(200, two.status(), two::toString);
                assertEquals("5", new String(two.body()), "the second request's body, intact");
            }
            report("6 pipelining", framing + " body, then a request", "401, then 200 with the body intact",
                    millisSince(started));
            assertEquals(1, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
            assertNoExceptionLogged();
        }
    }

    /** Case 7: Expect: 100-continue, 2xx and 4xx, the application reading or not. */
    @Nested
    class ExpectContinue {
        @ParameterizedTest(name = "{0}, status {1}")
        @CsvSource({"ignores body, 200", "ignores body, 401", "reads half, 200", "reads half, 401"})
        void whatTheClientSees(String application, int status) throws Exception {
            boolean reads = application.startsWith("reads");
            String path = (reads ? "/read-half" : "/ignore") + "?status=" + status + "&bytes=2";
            int bodyBytes = 64 * KIB;
            boolean continued;
            Response last;
            RawExchange.Ending ending = null;
            // Jetty: the response goes out first, so that opening the body invites nothing; the
            // drain then waits, without a thread, for what the client sends anyway, and the
            // connection closes once the response and the drain have ended.
            boolean uninvited = !reads && !server.continuesBeforeTheApplicationReads();
            long started = System.nanoTime();
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(post(path, "Content-Length: " + bodyBytes, "Expect: 100-continue"));
                Response first;
                try {
                    first = connection.interimOrFinal(1_000);
                } catch (java.net.SocketTimeoutException noAnswerYet) {
                    first = null; // a client sends the body after a while anyway (curl: 1 s)
                }
                continued = first == null || first.status() == 100;
                if (continued) {
                    connection.write(new byte[bodyBytes]);
                    last = connection.response();
                } else {
                    last = first;
                }
                if (uninvited) {
                    ending = connection.ending(5_000);
                }
            }
            DrainStats stats = filter.getStats();
            String outcome = (continued ? "body sent" : "body not sent") + ", " + last.status()
                    + (last.closesConnection() ? " + Connection: close" : "") + ", filter read "
                    + stats.getDrainedBytes() + " B";
            report("7 expect 100-continue", application + ", status " + status, outcome, millisSince(started));
            assertEquals(status, last.status(), outcome);
            if (reads) {
                assertEquals(bodyBytes / 2, stats.getDrainedBytes(), outcome);
                assertFalse(last.closesConnection(), outcome);
            } else if (server.continuesBeforeTheApplicationReads()) {
                // The container invited the body before the application ran: it is on its way.
                assertTrue(continued, outcome);
                assertEquals(bodyBytes, stats.getDrainedBytes(), "a body on its way is drained: " + outcome);
                assertEquals(1, stats.getDrainedRequests(), outcome);
                assertFalse(last.closesConnection(), outcome);
            } else {
                // Jetty may close once the response is complete, before the drain has ended.
                assertEquals(RawExchange.Ending.FIN, ending, outcome);
                awaitCount(stats::getSkippedExpectContinue, 1, stats);
                assertFalse(continued, "never solicits a body: " + outcome);
                assertEquals(0, stats.getDrainedBytes(), "never solicits a body: " + outcome);
                assertTrue(last.closesConnection(), outcome);
            }
            assertNoExceptionLogged();
        }

        /**
         * A client that announces its body and sends it at once (Python's requests with an
         * {@code Expect} header, as RFC 9110 allows) has it drained, and the close is a FIN.
         */
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"/ignore?status=200&bytes=600000", "/status?status=401"})
        void aBodySentWithoutWaitingIsDrainedOnEveryContainer(String path) throws Exception {
            int bodyBytes = 4 * MIB;
            long started = System.nanoTime();
            Response response;
            RawExchange.Ending ending;
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(post(path, "Content-Length: " + bodyBytes, "Expect: 100-continue"));
                Thread sender = new Thread(() -> {
                    try {
                        connection.write(new byte[bodyBytes]);
                    } catch (IOException closed) {
                        // The server closed the connection: the ending below says how.
                    }
                }, "sends-without-waiting");
                sender.start();
                response = connection.response();
                if (response.status() == 100) {
                    response = connection.response();
                }
                ending = response.closesConnection() ? connection.ending(10_000) : RawExchange.Ending.FIN;
                sender.join(10_000);
            }
            // On Jetty the response goes out first, and may end before the drain does.
            DrainStats stats = filter.getStats();
            awaitCount(stats::getDrainedBytes, bodyBytes, stats);
            String outcome = response.status() + ", " + ending + ", filter read " + stats.getDrainedBytes() + " B";
            report("7 expect 100-continue", "body sent at once, " + path, outcome, millisSince(started));
            assertEquals(path.contains("401") ? 401 : 200, response.status(), outcome);
            assertEquals(path.contains("401") ? 0 : 600_000, response.body().length, outcome);
            assertEquals(RawExchange.Ending.FIN, ending, outcome);
            assertEquals(bodyBytes, stats.getDrainedBytes(), outcome);
            assertNoExceptionLogged();
        }
    }

    /** Case 8: HTTP/1.0, Connection: close, and Transfer-Encoding with Content-Length. */
    @Nested
    class ProtocolEdges {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"HTTP/1.0", "Connection: close"})
        void aBodyIsDrainedAndTheCloseIsAFin(String kase) throws Exception {
            String head = kase.equals("HTTP/1.0")
                    ? "POST /ignore?status=401&bytes=2 HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n\r\n"
                    : post("/ignore?status=401&bytes=2", "Content-Length: 65536", "Connection: close");
            long started = System.nanoTime();
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(head);
                connection.write(new byte[64 * KIB]);
                Response response = connection.response();
                assertEquals(401, response.status(), response::toString);
                assertEquals(RawExchange.Ending.FIN, connection.ending(5_000));
            }
            report("8 protocol", kase + " with a 64 KiB body", "401, body drained, FIN", millisSince(started));
            assertEquals(64 * KIB, filter.getStats().getDrainedBytes(), filter.getStats()::toString);
            assertNoExceptionLogged();
        }

        @Test
        void transferEncodingWithContentLengthIsTheContainersCallAndTheFilterChangesNothing() throws Exception {
            String smuggle = "POST /ignore?status=401&bytes=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /ignore?bytes=7 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            List<String> withFilter = responses(port, smuggle);
            server.stop();
            int unfiltered = server.start(null, TestServlets.all(), BodyHandling.OFF);
            List<String> withoutFilter = responses(unfiltered, smuggle);

            assertEquals(withoutFilter, withFilter);
            report("8 protocol", "Transfer-Encoding: chunked with Content-Length", "as without the filter: "
                    + withFilter, 0);
            assertNoExceptionLogged();
        }

        private static List<String> responses(int port, String request) throws IOException {
            List<String> statuses = new ArrayList<>();
            try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                connection.write(request);
                for (int i = 0; i < 3; i++) {
                    try {
                        statuses.add(Integer.toString(connection.response().status()));
                    } catch (IOException end) {
                        break;
                    }
                }
            }
            return statuses;
        }
    }

    /** Case 9: 64 slow-drip clients at once, and normal requests meanwhile. */
    @Nested
    class ManySlowClients {
        @Test
        void normalRequestsDoNotWaitBehindThem() throws Exception {
            int clients = 64;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            CountDownLatch allSending = new CountDownLatch(clients);
            List<Future<Long>> slow = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    slow.add(pool.submit(() -> {
                        try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                            CountDownLatch answered = new CountDownLatch(1);
                            connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + MIB));
                            connection.write(new byte[KIB]);
                            long started = System.nanoTime();
                            drip(connection, answered);
                            allSending.countDown();
                            connection.response();
                            answered.countDown();
                            return millisSince(started);
                        }
                    }));
                }
                assertTrue(allSending.await(30, TimeUnit.SECONDS));
                long worstNormal = 0;
                for (int i = 0; i < 20; i++) {
                    long started = System.nanoTime();
                    assertServesNormalRequests();
                    worstNormal = Math.max(worstNormal, millisSince(started));
                }
                long worstSlow = 0;
                for (Future<Long> client : slow) {
                    worstSlow = Math.max(worstSlow, client.get(60, TimeUnit.SECONDS));
                }
                report("9 concurrency", clients + " slow-drip clients + 20 normal requests",
                        "normal: slowest " + worstNormal + " ms; slow clients answered within", worstSlow);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(clients, filter.getStats().getStoppedByTimeout(), filter.getStats()::toString);
            assertNoExceptionLogged();
        }
    }

    /** Case 10: 1 000 requests through nginx, normal ones mixed with broken ones. */
    @Nested
    class FaultMixThroughNginx {
        @Test
        void everyNormalRequestGetsItsApplicationsStatus() throws Exception {
            int requests = 1_000;
            long started = System.nanoTime();
            int[] normal = new int[2];
            List<String> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (Nginx nginx = Nginx.start(port, Nginx.Upstream.KEEPALIVE)) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    List<Future<?>> sent = new ArrayList<>();
                    for (int i = 0; i < requests; i++) {
                        int kind = i % 10;
                        sent.add(pool.submit(() -> {
                            String failure = mixed(nginx.port(), kind);
                            if (kind <= 6) {
                                synchronized (normal) {
                                    normal[failure == null ? 0 : 1]++;
                                }
                                if (failure != null) {
                                    wrong.add(failure);
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> request : sent) {
                        request.get(60, TimeUnit.SECONDS);
                    }
                } finally {
                    pool.shutdownNow();
                }
                assertEquals(List.of(), wrong, "normal requests that did not get their status");
                assertEquals(List.of(), List.copyOf(nginx.resetLines().keySet()), nginx.errorLog());
            }
            report("10 fault mix via nginx", requests + " requests: 60 % uploads read, 10 % ignored, 30 % broken",
                    normal[0] + " of " + (normal[0] + normal[1]) + " normal requests answered as the application chose",
                    millisSince(started));
            assertNoExceptionLogged();
        }

        /** One request of the mix; for the normal kinds (0 to 6), null if it got its status. */
        private String mixed(int nginxPort, int kind) throws IOException {
            try (KeepAliveConnection connection = new KeepAliveConnection(nginxPort)) {
                switch (kind) {
                    case 7 -> { // a body shorter than declared, then the client half-closes
                        connection.write(post("/ignore?status=401", "Content-Length: 65536", "Connection: close"));
                        connection.write(new byte[KIB]);
                        connection.shutdownOutput();
                    }
                    case 8 -> // a declared length over nginx's client_max_body_size
                        connection.write(post("/ignore?status=401", "Content-Length: " + (100L * MIB),
                                "Connection: close"));
                    case 9 -> // a malformed chunk size
                        connection.write(post("/ignore?status=401", "Transfer-Encoding: chunked",
                                "Connection: close") + "zz\r\nhello\r\n0\r\n\r\n");
                    case 6 -> {
                        connection.write(post("/ignore?status=401&bytes=2", "Content-Length: " + 256 * KIB,
                                "Connection: close"));
                        connection.write(new byte[256 * KIB]);
                        Response response = connection.response();
                        return response.status() == 401 ? null : "ignored upload: " + response.status();
                    }
                    default -> {
                        connection.write(post("/read-all", "Content-Length: " + 16 * KIB, "Connection: close"));
                        connection.write(new byte[16 * KIB]);
                        Response response = connection.response();
                        return response.status() == 200 && new String(response.body()).equals("16384") ? null
                                : "upload: " + response.status();
                    }
                }
                describe(connection);
                return null;
            }
        }
    }
}
