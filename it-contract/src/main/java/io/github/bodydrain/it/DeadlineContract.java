package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainOutcome;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter's deadline against clients that announce a body and then send nothing, or a byte a
 * second, with the container's own read timeout far above it: the drain waits without a thread,
 * and the response goes out at {@code timeoutMs}, not at the container's timeout. The times are
 * printed for docs/RELIABILITY.md.
 */
@Timeout(60)
public abstract class DeadlineContract {

    /** The filter's deadline in these tests. */
    protected static final long TIMEOUT_MS = 1_000;
    /** What the deadline may be late by: a timer's wake-up and the container's completion. */
    protected static final long MARGIN_MS = 400;
    /** The container's read timeout: a drain released only by it fails every bound below. */
    protected static final Duration CONTAINER_READ_TIMEOUT = Duration.ofSeconds(30);

    private final ServerController server = controller().readTimeout(CONTAINER_READ_TIMEOUT);
    private final BlockingQueue<Thread> requestThreads = new ArrayBlockingQueue<>(1);

    /** The container under test. */
    protected abstract ServerController controller();

    @AfterEach
    void stopServer() throws Exception {
        server.stop();
    }

    /** Answers 401 with a small JSON body it does not flush, as an authentication check does. */
    private HttpServlet unauthorized() {
        return new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                requestThreads.add(Thread.currentThread());
                response.setStatus(401);
                response.setContentType("application/json");
                response.getWriter().write("{\"error\":\"unauthorized\"}");
            }
        };
    }

    private int start(BodyDrainFilter filter) throws Exception {
        return server.start(filter, Map.of("/login", unauthorized()));
    }

    private static BodyDrainFilter filter() {
        return BodyDrainFilter.builder().timeoutMs(TIMEOUT_MS).build();
    }

    @Test
    void aClientThatSendsNothingAfterTheHeadersIsReleasedAtTheDeadline() throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);
        try (Socket socket = connect(port)) {
            long sent = System.nanoTime();
            sendHead(socket, 1024 * 1024);
            assertTheRequestThreadIsFreeBeforeTheDeadline(sent);
            String response = readResponse(socket.getInputStream());
            long millis = (System.nanoTime() - sent) / 1_000_000;
            report("sends nothing", millis);
            assertTrue(response.startsWith("HTTP/1.1 401"), response);
            assertTrue(response.toLowerCase().contains("connection: close"), response);
            assertWithinTheDeadline(millis);
        }
        assertEquals(1, filter.getStats().count(DrainOutcome.TIMEOUT), filter.getStats()::toString);
    }

    @Test
    void aClientThatDribblesAByteASecondIsReleasedAtTheDeadline() throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);
        try (Socket socket = connect(port)) {
            long sent = System.nanoTime();
            sendHead(socket, 1024 * 1024);
            Thread dribbler = new Thread(() -> dribble(socket), "dribbler");
            dribbler.setDaemon(true);
            dribbler.start();
            try {
                assertTheRequestThreadIsFreeBeforeTheDeadline(sent);
                String response = readResponse(socket.getInputStream());
                long millis = (System.nanoTime() - sent) / 1_000_000;
                report("dribbles a byte a second", millis);
                assertTrue(response.startsWith("HTTP/1.1 401"), response);
                assertWithinTheDeadline(millis);
            } finally {
                dribbler.interrupt();
                dribbler.join(5_000);
            }
        }
        assertEquals(1, filter.getStats().count(DrainOutcome.TIMEOUT), filter.getStats()::toString);
    }

    /**
     * The servlet has answered, and before half the deadline its thread has left the filter: no
     * frame of the drain is on its stack while the drain still waits for the body.
     */
    private void assertTheRequestThreadIsFreeBeforeTheDeadline(long sent) throws InterruptedException {
        Thread requestThread = requestThreads.poll(10, TimeUnit.SECONDS);
        assertNotNull(requestThread, "the servlet never ran");
        long halfTheDeadline = sent + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS / 2);
        while (inTheFilter(requestThread)) {
            assertTrue(System.nanoTime() < halfTheDeadline, () -> "the request thread is still in the drain: "
                    + Arrays.toString(requestThread.getStackTrace()));
            Thread.onSpinWait();
        }
    }

    private static boolean inTheFilter(Thread thread) {
        return Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().startsWith("io.github.bodydrain.")
                        && !frame.getClassName().startsWith("io.github.bodydrain.it."));
    }

    private static void assertWithinTheDeadline(long millis) {
        assertTrue(millis >= TIMEOUT_MS - 50, "released before the deadline: " + millis + " ms");
        assertTrue(millis <= TIMEOUT_MS + MARGIN_MS, "released " + millis + " ms after the request, deadline "
                + TIMEOUT_MS + " ms, the container's read timeout " + CONTAINER_READ_TIMEOUT.toMillis() + " ms");
    }

    private void report(String client, long millis) {
        System.out.printf("RELIABILITY | %s | 11 deadline without a thread | client that %s, timeoutMs %d, container read"
                + " timeout %d ms | 401 at the deadline, thread free before half of it | %d ms%n", server.name(), client,
                TIMEOUT_MS, CONTAINER_READ_TIMEOUT.toMillis(), millis);
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static void sendHead(Socket socket, long declared) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + declared + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** One byte a second, until the test ends or the server closes. */
    private static void dribble(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            while (!Thread.currentThread().isInterrupted()) {
                out.write('{');
                out.flush();
                Thread.sleep(1_000); // the client's pace, the case under test: not a wait for anything
            }
        } catch (IOException | InterruptedException e) {
            // The server closed the connection, or the test is over.
        }
    }

    /** The status line, the header and what of the body came, up to the server's close. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
                if (received.toString(StandardCharsets.ISO_8859_1).contains("unauthorized")) {
                    break;
                }
            }
        } catch (IOException reset) {
            if (received.size() == 0) {
                throw reset;
            }
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
