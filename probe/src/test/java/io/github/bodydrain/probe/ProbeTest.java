package io.github.bodydrain.probe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe's limits and its failures to reach a server, against sockets of the test's own. */
class ProbeTest {

    @Test
    void neverSendsMoreThanItsLimitsAllow() throws Exception {
        try (CountingServer server = new CountingServer()) {
            ProbeIT.Run run = ProbeIT.Run.of("http://127.0.0.1:" + server.port() + "/", "--sizes", "1m,2m",
                    "--repeat", "2", "--max-bytes", "5m", "--requests", "7");
            // The plan: 1 MiB fresh (2 requests, 2 MiB), 1 MiB reused (4 requests, 2 MiB); the next
            // case would pass 5 MiB, then 7 requests, so it and the 2 MiB cases are left out.
            assertTrue(run.out().startsWith("body-drain-probe: 2 cases, 6 requests, at most 4 MiB of body"), run::toString);
            assertTrue(server.bodyBytes.get() <= 5 * 1024 * 1024, () -> server.bodyBytes + " bytes");
            assertTrue(server.requests.get() <= 7, () -> server.requests + " requests");
            assertEquals(6, server.requests.get());
            assertEquals(Probe.NOT_AFFECTED, run.exitCode(), run::toString); // the server reads every body
        }
    }

    @Test
    void jsonCarriesTheVerdictTheExitCodeAndEveryCase() throws Exception {
        try (CountingServer server = new CountingServer()) {
            ProbeIT.Run run = ProbeIT.Run.of("http://127.0.0.1:" + server.port() + "/login", "--sizes", "1m",
                    "--repeat", "1", "--json");
            assertEquals(Probe.NOT_AFFECTED, run.exitCode(), run::toString);
            String json = run.out().strip();
            assertTrue(json.startsWith("{\"target\":\"http://127.0.0.1:" + server.port() + "/login\","
                    + "\"verdict\":\"not affected\",\"exitCode\":0,"), json);
            assertEquals(4, json.split("\"bodyBytes\":1048576,").length - 1, json);
            assertTrue(json.contains("\"connection\":\"reused\",\"intact\":1,\"cutShort\":0,"), json);
            assertTrue(json.endsWith("]}") && !json.contains("\n"), json);
        }
    }

    @Test
    void aLargeResponsePathDoublesTheCasesAndIsAskedToo() throws Exception {
        try (CountingServer server = new CountingServer()) {
            ProbeIT.Run run = ProbeIT.Run.of("http://127.0.0.1:" + server.port() + "/login", "--sizes", "1m",
                    "--repeat", "1", "--large-response", "/report");
            assertTrue(run.out().startsWith("body-drain-probe: 8 cases, 12 requests, at most 8 MiB of body to"
                    + " http://127.0.0.1:" + server.port() + "/login and /report within"), run::toString);
            assertEquals(java.util.Set.of("/login", "/report"), server.paths);
            assertEquals(Probe.NOT_AFFECTED, run.exitCode(), run::toString);
        }
    }

    @Test
    void helpListsTheOptionsWithTheirDefaults() {
        ProbeIT.Run run = ProbeIT.Run.of("--help");
        assertEquals(Probe.NOT_AFFECTED, run.exitCode());
        assertTrue(run.out().contains("--max-bytes SIZE     at most this many body bytes in all (default 256m)"), run::toString);
        assertTrue(run.out().contains("--sizes LIST         body sizes (default 64k,1m,4m,16m,64m)"), run::toString);
    }

    @Test
    void aClosedPortSaysSoWithItsOwnExitCode() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ProbeIT.Run run = ProbeIT.Run.of("http://127.0.0.1:" + port + "/login");
        assertEquals(Probe.CANNOT_CONNECT, run.exitCode(), run::toString);
        assertTrue(run.err().startsWith("body-drain-probe: cannot connect to http://127.0.0.1:" + port), run::toString);
    }

    @Test
    void aTlsFailureSaysSoWithItsOwnExitCode() throws Exception {
        try (CountingServer plainHttp = new CountingServer()) {
            ProbeIT.Run run = ProbeIT.Run.of("https://127.0.0.1:" + plainHttp.port() + "/login", "--timeout", "5");
            assertEquals(Probe.TLS_FAILED, run.exitCode(), run::toString);
            assertTrue(run.err().startsWith("body-drain-probe: TLS failed with https://127.0.0.1:"), run::toString);
        }
    }

    @Test
    void aBadArgumentPrintsTheUsage() {
        ProbeIT.Run run = ProbeIT.Run.of("http://127.0.0.1:1/", "--max-bytes", "lots");
        assertEquals(Probe.USAGE, run.exitCode());
        assertTrue(run.err().contains("--max-bytes must be a size such as 512k, 4m or 1g, got lots"), run::toString);
        assertTrue(run.err().contains("usage: java -jar body-drain-probe.jar URL [options]"), run::toString);
    }

    /**
     * An HTTP/1.1 server that reads every request to its end and answers 401, counting requests and
     * body bytes. Not TLS: a TLS client meets a plain "HTTP/1.1 400" and fails its handshake.
     */
    private static final class CountingServer implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicLong bodyBytes = new AtomicLong();
        final java.util.Set<String> paths = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Thread acceptor = new Thread(this::accept, "counting-server");

        CountingServer() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    serve(connection);
                } catch (IOException closedOrGone) {
                    // the next connection, or the end
                }
            }
        }

        private void serve(Socket connection) throws IOException {
            InputStream in = connection.getInputStream();
            OutputStream out = connection.getOutputStream();
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                if (!head.startsWith("GET ") && !head.startsWith("POST ")) {
                    out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    return;
                }
                requests.incrementAndGet();
                paths.add(head.split(" ")[1]);
                long length = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).trim());
                    }
                }
                if (head.toLowerCase().contains("expect: 100-continue")) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                byte[] buffer = new byte[64 * 1024];
                for (long left = length; left > 0; ) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        return;
                    }
                    left -= n;
                    bodyBytes.addAndGet(n);
                }
                boolean close = head.toLowerCase().contains("connection: close");
                out.write(("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n" + (close ? "Connection: close\r\n" : "")
                        + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (close) {
                    return;
                }
            }
        }

        private static String head(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b = in.read();
            if (b >= 0 && !Character.isLetter(b)) {
                return "not HTTP"; // a TLS ClientHello, say
            }
            for (; b >= 0; b = in.read()) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    return head.toString();
                }
                if (head.length() > 16 * 1024) {
                    return head.toString();
                }
            }
            return head.length() == 0 ? null : head.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
