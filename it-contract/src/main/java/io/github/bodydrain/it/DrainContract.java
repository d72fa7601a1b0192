package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainStats;
import io.github.bodydrain.it.RawExchange.Ending;
import io.github.bodydrain.it.RawExchange.Sending;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter on a real container, seen from a raw socket: a servlet that never reads a 1 MiB body
 * answers, and the client gets the whole response and an orderly close. Each container module
 * extends this with its {@link ServerController}.
 */
@Timeout(120)
public abstract class DrainContract {

    protected static final int MIB = 1024 * 1024;
    /** Larger than any container's response buffer, as a real page or JSON list is. */
    protected static final int LARGE_RESPONSE = 600_000;
    /** Exchanges per case: a reset is a race, so one exchange proves little either way. */
    protected static final int EXCHANGES = 10;

    private final ServerController server = controller();

    /** The container under test. */
    protected abstract ServerController controller();

    protected int start(Filter filter) throws Exception {
        return server.start(filter, TestServlets.all());
    }

    @AfterEach
    void stopServer() throws Exception {
        server.stop();
    }

    /** A timeout far above the test's own, so that a drain that waited for it fails the test. */
    private static BodyDrainFilter filter() {
        return BodyDrainFilter.builder().maxBytes(4 * MIB).timeoutMs(600_000).build();
    }

    private static List<RawExchange> exchanges(int port, String path, int bodyBytes, Sending sending)
            throws Exception {
        List<RawExchange> exchanges = new ArrayList<>();
        for (int i = 0; i < EXCHANGES; i++) {
            exchanges.add(RawExchange.post(port, path, bodyBytes, sending));
        }
        return exchanges;
    }

    @ParameterizedTest(name = "{0} byte body")
    @ValueSource(ints = {MIB, 4 * MIB})
    void anIgnoredBodyIsDrainedAndTheResponseEndsWithFin(int bodyBytes) throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);

        for (RawExchange exchange : exchanges(port, "/ignore?bytes=2", bodyBytes, Sending.WHOLE_BODY_THEN_READ)) {
            assertEquals(200, exchange.status, exchange::toString);
            assertTrue(exchange.bodyArrivedWhole(), exchange::toString);
            assertEquals(Ending.FIN, exchange.ending, exchange::toString);
            assertNull(exchange.sendFailure, exchange::toString);
            assertEquals(bodyBytes, exchange.bodyBytesSent);
        }
        DrainStats stats = filter.getStats();
        assertEquals(EXCHANGES, stats.getDrainedRequests(), stats::toString);
        assertEquals((long) EXCHANGES * bodyBytes, stats.getDrainedBytes(), stats::toString);
    }

    @ParameterizedTest(name = "{0} byte body")
    @ValueSource(ints = {MIB, 4 * MIB})
    void aLargeResponseArrivesWholeWhenTheClientStopsSendingAtTheHeader(int bodyBytes) throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);

        for (RawExchange exchange : exchanges(port, "/ignore?status=401&bytes=" + LARGE_RESPONSE, bodyBytes,
                Sending.UNTIL_RESPONSE_HEADER)) {
            assertEquals(401, exchange.status, exchange::toString);
            assertTrue(exchange.bodyArrivedWhole(), exchange::toString);
            assertEquals(Ending.FIN, exchange.ending, exchange::toString);
            assertNull(exchange.sendFailure, exchange::toString);
            assertEquals(bodyBytes, exchange.bodyBytesSent, "the header came only once the body was drained");
        }
        DrainStats stats = filter.getStats();
        assertEquals(EXCHANGES, stats.getDrainedRequests(), stats::toString);
        assertEquals(0, stats.getStoppedByTimeout(), "no request thread waited for the time bound");
        assertEquals(0, stats.getCommittedBeforeDrain(), stats::toString);
    }

    /**
     * After a drain the connection stays persistent and the next request on it is read from its
     * first byte: the drain read exactly the body, no less and no more. Where the container closes
     * the connection after certain statuses all the same (Tomcat drops it after 400, 408, 411,
     * 413, 414, 500, 501 and 503, with {@code Connection: close}), the close must be a FIN.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/ignore?bytes=2", "/ignore?bytes=" + LARGE_RESPONSE, "/status?status=401",
            "/send-error?status=413", "/throw", "/async?bytes=2", "/read-half?bytes=2", "/reader?bytes=2",
            "/close-output?bytes=2"})
    void aDrainedConnectionServesTheNextRequest(String path) throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);

        try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
            KeepAliveConnection.Response first = connection.post(path, 256 * 1024);
            if (first.closesConnection()) {
                assertEquals(Ending.FIN, connection.ending(5_000), first::toString);
                assertEquals(1, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
                return;
            }
            KeepAliveConnection.Response second = connection.post("/ignore?bytes=3", 1024);

            assertEquals(200, second.status(), second::toString);
            assertTrue(TestServlets.isExpectedBody(second.body(), 3), second::toString);
            assertEquals(Ending.OPEN, connection.ending(200), "the connection stays open");
        }
        assertEquals(2, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
    }

    /**
     * A multipart upload over the servlet's limit: the container's parse fails and the application
     * answers 413 without reading the rest. Jetty 12.1 closes such a connection after the response
     * whatever its header says (its clean-up of the parts meets the parse's failure again): a
     * client or a proxy that reuses the connection sends its next request into the close. The
     * connection either serves the next request or says {@code Connection: close} and ends with FIN.
     * (Tomcat's parse closes the request's stream when a file part is over the limit, so the
     * filter cannot read the rest there: its own swallow is what remains.)
     */
    @Test
    void aFailedMultipartUploadLeavesAConnectionTheClientCanReuseOrIsToldIsClosing() throws Exception {
        BodyDrainFilter filter = filter();
        int port = start(filter);
        Map.Entry<String, byte[]> upload = KeepAliveConnection.multipart(256 * 1024);

        try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
            KeepAliveConnection.Response first = connection.post("/parts-over-limit", upload.getKey(), upload.getValue());
            assertEquals(413, first.status(), first::toString);
            if (first.closesConnection()) {
                assertEquals(Ending.FIN, connection.ending(5_000), first::toString);
            } else {
                KeepAliveConnection.Response second = connection.post("/ignore?bytes=3", 1024);
                assertEquals(200, second.status(), () -> "after " + first + ": " + second);
                assertEquals(Ending.OPEN, connection.ending(200), "the connection stays open");
            }
        }
    }

    /**
     * What the two tests above guard against: their 4 MiB exchanges without the filter. (With 1 MiB
     * bodies the loopback socket buffers absorb the whole body, and both containers shut their
     * output down before they close, so a raw client often sees the response whole; nginx does
     * not, see jetty-it and tomcat-it's nginx tests.) Which exchanges fail depends on the
     * container, so the floor is over both kinds.
     */
    @Test
    void withoutTheFilterTheSameExchangesFail() throws Exception {
        int port = start(null);

        List<RawExchange> exchanges = new ArrayList<>(
                exchanges(port, "/ignore?bytes=2", 4 * MIB, Sending.WHOLE_BODY_THEN_READ));
        exchanges.addAll(exchanges(port, "/ignore?status=401&bytes=" + LARGE_RESPONSE, 4 * MIB,
                Sending.UNTIL_RESPONSE_HEADER));

        long failed = exchanges.stream().filter(RawExchange::failed).count();
        System.out.printf("%s without the filter: %d of %d exchanges failed%n", server.name(), failed,
                exchanges.size());
        assertTrue(failed >= exchanges.size() / 10, () -> failed + " of " + exchanges.size() + " failed: " + exchanges);
    }
}
