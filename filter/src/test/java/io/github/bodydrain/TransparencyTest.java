package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the application sees through the filter: the same as without it, or a loud failure. */
class TransparencyTest {

    private static final int MIB = 1024 * 1024;

    private final BodyDrainFilter filter = BodyDrainFilter.builder().maxBytes(MIB).timeoutMs(5_000).build();

    private void run(FakeExchange exchange, BodyDrainFilterTest.ThrowingChain servlet)
            throws IOException, ServletException {
        filter.doFilter(exchange.request(), exchange.response(), servlet);
    }

    @Test
    void aSmallWriteBeforeTheReadLosesNoByte() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(100_000);
        int[] read = new int[1];
        run(exchange, (request, response) -> {
            response.getOutputStream().write(new byte[3000]);
            read[0] = request.getInputStream().readAllBytes().length;
        });
        assertEquals(100_000, read[0]);
        assertEquals(0, filter.getStats().getDrainedBytes());
    }

    @Test
    void aBodyReadWhileTheResponseStreamsIsLeftToTheApplication() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(200_000);
        long[] echoed = new long[1];
        run(exchange, (request, response) -> {
            InputStream in = request.getInputStream();
            byte[] line = new byte[100];
            int n;
            while ((n = in.read(line)) > 0) {
                response.getOutputStream().write(line, 0, n);
                echoed[0] += n;
            }
        });
        assertEquals(200_000, echoed[0], "an echo gets every byte although its response committed");
        assertEquals(0, filter.getStats().getDrainedBytes());
    }

    @Test
    void anEchoThroughTheReaderIsLeftToTheApplicationToo() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(0);
        exchange.body = "a line of the body to echo\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        exchange.contentLength = exchange.body.length;
        int[] lines = new int[1];
        run(exchange, (request, response) -> {
            BufferedReader reader = request.getReader();
            java.io.PrintWriter writer = response.getWriter();
            for (String line; (line = reader.readLine()) != null; lines[0]++) {
                writer.println(line);
            }
        });
        assertEquals(10_000, lines[0], "the reader's buffer serves many lines between two reads of the stream");
        assertEquals(0, filter.getStats().getDrainedBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"read()", "read(char[])", "skip", "readLine"})
    void everyReadOfTheReaderAfterADiscardFailsLoudly(String how) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(0);
        exchange.body = "line\n".repeat(20_000).getBytes(StandardCharsets.US_ASCII); // the reader buffers lines
        exchange.contentLength = exchange.body.length;
        run(exchange, (request, response) -> {
            BufferedReader reader = request.getReader();
            reader.read();
            response.getOutputStream().write(new byte[20_000]);
            assertThrows(IOException.class, () -> {
                switch (how) {
                    case "read()" -> reader.read();
                    case "read(char[])" -> reader.read(new char[10]);
                    case "skip" -> reader.skip(10);
                    default -> reader.readLine();
                }
            });
        });
    }

    @Test
    void aReadAfterTheDrainDiscardedFailsLoudly() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(100_000);
        IOException[] failure = new IOException[1];
        run(exchange, (request, response) -> {
            request.getInputStream().readNBytes(10);
            response.getOutputStream().write(new byte[20_000]);
            failure[0] = assertThrows(IOException.class, () -> request.getInputStream().read(new byte[10]));
        });
        assertTrue(failure[0].getMessage().contains("BodyDrainFilter"), failure[0]::getMessage);
        assertTrue(failure[0].getMessage().contains("enableFullDuplex"), failure[0]::getMessage);
    }

    @Test
    void aReadAfterADrainThatFoundNothingReturnsTheEnd() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(1000);
        int[] last = new int[1];
        run(exchange, (request, response) -> {
            request.getInputStream().readAllBytes();
            response.sendError(400);
            last[0] = request.getInputStream().read();
        });
        assertEquals(-1, last[0]);
    }

    @Test
    void closingTheInputDrainsFirstSoTheContainerCanStillRead() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(100_000);
        run(exchange, (request, response) -> {
            try (InputStream in = request.getInputStream()) {
                in.readNBytes(10);
            }
            exchange.events.add("closed");
            assertThrows(IOException.class, () -> request.getInputStream().read(), "closed is closed");
            response.setStatus(400);
        });
        assertEquals(0, exchange.unread());
        assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("closed"), exchange.events::toString);
        assertEquals(1, filter.getStats().getDrainedRequests());
    }

    @Test
    void theReaderCountsBytesSoAMultibyteBodyReadToItsEndIsNotOverTheLimit() throws Exception {
        BodyDrainFilter small = BodyDrainFilter.builder().maxBytes(100).build();
        FakeExchange exchange = FakeExchange.withBody(0);
        exchange.body = "é€".repeat(20_000).getBytes(StandardCharsets.UTF_8);
        exchange.contentLength = exchange.body.length;
        exchange.requestEncoding = "UTF-8";
        String[] text = new String[1];
        small.doFilter(exchange.request(), exchange.response(), (BodyDrainFilterTest.ThrowingChain) (request, response) -> {
            StringBuilder all = new StringBuilder();
            BufferedReader reader = request.getReader();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                all.append(line);
            }
            text[0] = all.toString();
        });
        assertEquals("é€".repeat(20_000), text[0]);
        assertNull(exchange.responseHeaders.get("Connection"));
        assertEquals(0, small.getStats().getSkippedOverLimit(), small.getStats()::toString);
    }

    @Test
    void theReaderDecodesWithTheRequestsEncodingOrLatin1() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(0);
        exchange.body = "éab".getBytes(StandardCharsets.ISO_8859_1);
        exchange.contentLength = 3;
        exchange.requestEncoding = null;
        String[] text = new String[1];
        run(exchange, (request, response) -> {
            BufferedReader reader = request.getReader();
            char[] rest = new char[4];
            text[0] = (char) reader.read() + ":" + reader.skip(1) + ":" + reader.read(rest, 0, 4) + rest[0] + ":"
                    + reader.read();
        });
        assertEquals("é:1:1b:-1", text[0]);
    }

    @Test
    void anUnknownEncodingFailsAsTheContainerFailsIt() {
        FakeExchange exchange = FakeExchange.withBody(10);
        exchange.requestEncoding = "no-such-charset";
        assertThrows(UnsupportedEncodingException.class, () -> run(exchange, (request, response) -> request.getReader()));
    }

    @Test
    void streamAndReaderExcludeEachOtherAsInTheContainer() throws Exception {
        run(FakeExchange.withBody(10), (request, response) -> {
            request.getInputStream();
            assertSame(request.getInputStream(), request.getInputStream());
            assertThrows(IllegalStateException.class, request::getReader);
        });
        run(FakeExchange.withBody(10), (request, response) -> {
            assertSame(request.getReader(), request.getReader());
            assertThrows(IllegalStateException.class, request::getInputStream);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"sendError(int)", "sendError(int,String)", "sendRedirect(String)",
            "sendRedirect(String,int)", "sendRedirect(String,boolean)", "sendRedirect(String,int,boolean)"})
    void everySendErrorAndSendRedirectDrainsFirst(String method) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> {
            switch (method) {
                case "sendError(int)" -> response.sendError(401);
                case "sendError(int,String)" -> response.sendError(401, "no");
                case "sendRedirect(String)" -> response.sendRedirect("/a");
                case "sendRedirect(String,int)" -> response.sendRedirect("/a", 307);
                case "sendRedirect(String,boolean)" -> response.sendRedirect("/a", false);
                default -> response.sendRedirect("/a", 308, true);
            }
            exchange.events.add("sent");
        });
        assertEquals(0, exchange.unread());
        assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("send"), exchange.events::toString);
    }

    @Test
    void resetForgetsWhatWasBuffered() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> {
            response.getOutputStream().write(new byte[8000]);
            response.reset();
            response.getOutputStream().write(new byte[8000]);
            exchange.events.add("rewritten");
        });
        assertTrue(exchange.indexOf("read") > exchange.indexOf("rewritten"), exchange.events::toString);
    }

    @Test
    void resetBufferForgetsWhatWasBuffered() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> {
            response.getOutputStream().write(new byte[8000]);
            response.resetBuffer();
            response.getOutputStream().write(new byte[8000]);
            exchange.events.add("rewritten");
        });
        assertTrue(exchange.indexOf("read") > exchange.indexOf("rewritten"), exchange.events::toString);
    }

    @Test
    void aDeclaredBodyReadToItsLastByteGetsTheReadThatEndsIt() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(1000);
        exchange.finishedOnlyAfterTheEndIsRead = true;
        run(exchange, (request, response) -> {
            assertEquals(1000, request.getInputStream().read(new byte[1000]));
            assertFalse(exchange.events.contains("read -1"));
            response.flushBuffer();
        });
        assertTrue(exchange.events.contains("read -1"), exchange.events::toString);
        assertEquals(0, filter.getStats().getDrainedRequests());
    }

    @Test
    void theAsyncContextIsOneObjectStartedOnTheContainersOwnRequest() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> {
            AsyncContext started = request.startAsync();
            assertSame(started, request.getAsyncContext());
            assertSame(started, request.getAsyncContext());
            assertTrue(started.hasOriginalRequestAndResponse(), "dispatch() keeps the original URI");
            assertSame(request, started.getRequest());
            assertSame(response, started.getResponse(), "async writes go through the filter");
        });
    }

    @Test
    void startAsyncWithTheApplicationsObjectsKeepsThem() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> {
            HttpServletRequest own = new jakarta.servlet.http.HttpServletRequestWrapper(request);
            HttpServletResponse ownResponse = new jakarta.servlet.http.HttpServletResponseWrapper(response);
            AsyncContext started = request.startAsync(own, ownResponse);
            assertSame(own, started.getRequest());
            assertSame(ownResponse, started.getResponse());
            assertFalse(started.hasOriginalRequestAndResponse());
        });
    }

    @Test
    void anApplicationsListenerGetsEventsThatCarryTheDrainingContext() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        RecordingListener plain = new RecordingListener();
        RecordingListener given = new RecordingListener();
        AsyncContext[] context = new AsyncContext[1];
        run(exchange, (request, response) -> {
            context[0] = request.startAsync();
            context[0].addListener(plain);
            context[0].addListener(given, request, response);
        });
        exchange.fireAsync("error");
        exchange.fireAsync("timeout");
        exchange.fireAsync("complete");
        List<AsyncEvent> events = new ArrayList<>(plain.events);
        events.addAll(given.events);
        assertEquals(List.of("onError", "onTimeout", "onComplete"), plain.heard);
        assertEquals(plain.heard, given.heard);
        for (AsyncEvent event : events) {
            assertSame(context[0], event.getAsyncContext(), "complete() on it drains");
            assertSame(context[0].getRequest(), event.getSuppliedRequest());
            assertSame(context[0].getResponse(), event.getSuppliedResponse(), "writes through it are seen");
        }
    }

    @Test
    void completeOnTheEventsContextDrainsBeforeTheResponseCloses() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        FakeExchange.Listener onTimeout = event -> event.getAsyncContext().complete();
        run(exchange, (request, response) -> request.startAsync().addListener(onTimeout.asListener()));
        exchange.asyncListeners.remove(0); // leave the application's listener alone to end it
        exchange.fireAsync("timeout");
        assertEquals(0, exchange.unread());
        assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("commit"), exchange.events::toString);
    }

    @Test
    void aCompleteTheFilterDidNotSeeStillDrains() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        run(exchange, (request, response) -> request.startAsync());
        exchange.fireAsync("complete");
        assertEquals(0, exchange.unread());
    }

    @Test
    void aRestartedAsyncContextKeepsTheDrainListening() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(10_000);
        HttpServletRequest[] wrapped = new HttpServletRequest[1];
        run(exchange, (request, response) -> {
            wrapped[0] = request;
            request.startAsync();
        });
        AsyncContext first = wrapped[0].getAsyncContext();
        exchange.restartAsync();
        AsyncContext second = wrapped[0].getAsyncContext();
        assertFalse(first == second, "the new context of the container, wrapped anew");
        assertSame(second, wrapped[0].getAsyncContext());
        assertEquals(1, exchange.asyncListeners.size());
        exchange.fireAsync("timeout");
        assertEquals(0, exchange.unread());
    }
}
