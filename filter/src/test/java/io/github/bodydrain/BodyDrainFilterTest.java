package io.github.bodydrain;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The filter's rules, one nested class a rule, against a container stand-in that records events. */
class BodyDrainFilterTest {

    private static final int MIB = 1024 * 1024;

    private final BodyDrainFilter filter = BodyDrainFilter.builder().maxBytes(MIB).timeoutMs(5_000).build();

    private void run(FakeExchange exchange, ThrowingChain servlet) throws IOException, ServletException {
        filter.doFilter(exchange.request(), exchange.response(), servlet);
    }

    /** A filter chain ending in a servlet. */
    @FunctionalInterface
    interface ThrowingChain extends FilterChain {
        void serve(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException;

        @Override
        default void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
            serve((HttpServletRequest) request, (HttpServletResponse) response);
        }
    }

    private static void write(HttpServletResponse response, int bytes) throws IOException {
        response.getOutputStream().write(new byte[bytes]);
    }

    @Nested
    class Rule1DrainsBeforeTheResponseCommits {

        @Test
        void beforeTheWriteThatCompletesTheDeclaredContentLength() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(MIB);
            run(exchange, (request, response) -> {
                response.setContentLength(2);
                write(response, 2);
            });
            assertEquals(0, exchange.unread());
            assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("write"), exchange.events::toString);
            assertTrue(exchange.indexOf("read") < exchange.indexOf("commit"));
        }

        @Test
        void beforeTheWriteThatCouldFillTheResponseBuffer() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(64 * 1024);
            run(exchange, (request, response) -> {
                write(response, 100);
                exchange.events.add("small write done");
                write(response, 600_000);
            });
            int smallWriteDone = exchange.indexOf("small write done");
            assertTrue(exchange.indexOf("read") > smallWriteDone, "a small write must not drain");
            assertTrue(exchange.lastIndexOf("read") < exchange.lastIndexOf("write"), exchange.events::toString);
            assertEquals(0, exchange.unread());
        }

        @Test
        void notBeforeASmallWriteSoTheApplicationCanStillReadItsForm() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            run(exchange, (request, response) -> {
                response.getWriter().print("<html>");
                assertEquals(1000, request.getInputStream().readAllBytes().length);
                response.getWriter().print("</html>");
            });
            assertEquals(0, filter.getStats().getDrainedBytes(), "nothing was left for the filter to drain");
        }

        @ParameterizedTest
        @ValueSource(strings = {"flushBuffer", "flush", "close", "sendError", "sendRedirect", "writerFlush",
                "writerClose", "chainReturns"})
        void beforeEachClosingEvent(String event) throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            run(exchange, (request, response) -> {
                switch (event) {
                    case "flushBuffer" -> response.flushBuffer();
                    case "flush" -> response.getOutputStream().flush();
                    case "close" -> response.getOutputStream().close();
                    case "sendError" -> response.sendError(401);
                    case "sendRedirect" -> response.sendRedirect("/elsewhere");
                    case "writerFlush" -> response.getWriter().flush();
                    case "writerClose" -> response.getWriter().close();
                    case "chainReturns" -> response.setStatus(404);
                    default -> throw new IllegalArgumentException(event);
                }
            });
            assertEquals(0, exchange.unread(), exchange.events::toString);
            int commit = exchange.indexOf("commit");
            assertTrue(commit == -1 || exchange.lastIndexOf("read") < commit, exchange.events::toString);
        }

        @ParameterizedTest
        @CsvSource({"ISO-8859-1, 1", "UTF-8, 3", "UTF-16, 4"})
        void writerCountsCharactersAtTheMostBytesTheirEncodingTakes(String encoding, int bytesPerChar)
                throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            exchange.responseEncoding = encoding;
            int fill = (8192 + bytesPerChar - 1) / bytesPerChar; // the characters that may fill 8 KiB
            run(exchange, (request, response) -> {
                PrintWriter writer = response.getWriter();
                writer.print("x".repeat(fill - 2));
                writer.println();
                exchange.events.add("below");
                writer.print("y");
                exchange.events.add("above");
            });
            assertTrue(exchange.indexOf("read") > exchange.indexOf("below"), exchange.events::toString);
            assertTrue(exchange.indexOf("read") < exchange.indexOf("above"), exchange.events::toString);
            assertEquals(0, exchange.unread());
        }

        @Test
        void aResponseBufferIsFullAtItsSizeAndAJettyOneAtAQuarter() {
            assertEquals(Container.OTHER, DrainingResponse.containerOf(new FakeExchange().response()));
        }

        @Test
        void aPartlyReadBodyIsDrainedToo() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            run(exchange, (request, response) -> {
                request.getInputStream().readNBytes(50_000);
                response.setContentLength(2);
                write(response, 2);
            });
            assertEquals(0, exchange.unread());
            assertEquals(50_000, filter.getStats().getDrainedBytes());
        }

        @Test
        void fullDuplexDefersTheDrainToTheEndAndReadsOnlyWhatArrived() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            exchange.arrived = 60_000;
            run(exchange, (request, response) -> {
                BodyDrainFilter.enableFullDuplex(request);
                write(response, 20_000);
                exchange.events.add("streamed");
                request.getInputStream().readNBytes(10_000);
            });
            assertTrue(exchange.indexOf("read") > exchange.indexOf("streamed"));
            assertEquals(40_000, exchange.unread(), "only what had arrived is read after the commit");
            assertEquals(1, filter.getStats().getCommittedBeforeDrain());
            assertNull(exchange.responseHeaders.get("Connection"));
        }
    }

    @Nested
    class Rule2NothingToDoNothingDone {

        @Test
        void noBodyPassesTheContainerObjectsThrough() throws Exception {
            FakeExchange exchange = new FakeExchange();
            run(exchange, (request, response) -> {
                assertSame(exchange.request(), request);
                assertSame(exchange.response(), response);
            });
            assertTrue(exchange.events.isEmpty());
            assertNull(exchange.attributes.get(BodyDrainFilter.DRAIN_ATTRIBUTE));
        }

        @Test
        void zeroContentLengthIsNoBody() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(0);
            run(exchange, (request, response) -> assertSame(exchange.request(), request));
        }

        @ParameterizedTest
        @ValueSource(strings = {"HTTP/2.0", "HTTP/3"})
        void http2AndLaterPassThrough(String protocol) throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            exchange.protocol = protocol;
            run(exchange, (request, response) -> assertSame(exchange.request(), request));
            assertEquals(1000, exchange.unread());
        }

        @Test
        void aBodyReadToItsEndIsNotReadAgain() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            run(exchange, (request, response) -> {
                request.getInputStream().readAllBytes();
                exchange.events.add("servlet done");
                write(response, 10_000);
            });
            assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("servlet done"), exchange.events::toString);
            assertEquals(0, filter.getStats().getDrainedRequests());
        }

        @Test
        void aFormReadByTheContainerIsNotReadAgain() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(5 * MIB);
            exchange.position = exchange.body.length; // getParameter() consumed it inside the container
            run(exchange, (request, response) -> response.setStatus(200));
            assertEquals(0, exchange.readEvents());
            assertNull(exchange.responseHeaders.get("Connection"));
            assertEquals(0, filter.getStats().getSkippedOverLimit());
        }
    }

    @Nested
    class Rule3ReadsThroughWhatTheApplicationUsed {

        @Test
        void theReaderWhenTheApplicationOpenedTheReader() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(50_000);
            exchange.bytesPerRead = 100;
            int[] pulledByTheReader = new int[1];
            run(exchange, (request, response) -> {
                assertEquals('x', request.getReader().read());
                pulledByTheReader[0] = exchange.bodyBytesRead();
                response.sendError(400);
            });
            assertEquals(0, exchange.unread());
            assertTrue(pulledByTheReader[0] > 0 && pulledByTheReader[0] < 50_000);
            assertEquals(50_000 - pulledByTheReader[0], filter.getStats().getDrainedBytes(), "the drain counts bytes");
        }

        @Test
        void aChunkedBodyToItsEnd() throws Exception {
            FakeExchange exchange = FakeExchange.chunked(300_000);
            run(exchange, (request, response) -> response.setStatus(401));
            assertEquals(0, exchange.unread());
            assertEquals(300_000, filter.getStats().getDrainedBytes());
            assertEquals(1, filter.getStats().getDrainedRequests());
        }

        @Test
        void oneDiscardBufferForEveryDrain() throws Exception {
            java.util.List<byte[]> buffers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                FakeExchange exchange = FakeExchange.withBody(20_000);
                run(exchange, (request, response) -> response.setStatus(401));
                assertFalse(exchange.discardBuffersSeen.isEmpty());
                buffers.addAll(exchange.discardBuffersSeen);
            }
            buffers.forEach(buffer -> assertSame(buffers.get(0), buffer));
        }
    }

    @Nested
    class Rule4BoundedInBytesAndTime {

        @Test
        void aDeclaredRemainderOverTheLimitIsNotReadAtAll() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(MIB + 1);
            run(exchange, (request, response) -> response.setStatus(413));
            assertEquals(0, exchange.readEvents());
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getSkippedOverLimit());
        }

        @Test
        void aBodyOfExactlyTheLimitIsDrained() throws Exception {
            FakeExchange exchange = FakeExchange.chunked(MIB);
            run(exchange, (request, response) -> response.setStatus(413));
            assertEquals(0, exchange.unread());
            assertNull(exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getDrainedRequests());
        }

        @Test
        void aChunkedBodyOverTheLimitIsCutShortAtOneBytePastIt() throws Exception {
            FakeExchange exchange = FakeExchange.chunked(3 * MIB);
            run(exchange, (request, response) -> response.setStatus(413));
            assertEquals(MIB + 1, exchange.bodyBytesRead());
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getSkippedOverLimit());
        }

        @Test
        void aSlowBodyStopsAtTheTimeout() throws Exception {
            BodyDrainFilter quick = BodyDrainFilter.builder().timeoutMs(50).build();
            FakeExchange exchange = FakeExchange.withBody(100_000);
            exchange.bytesPerRead = 10;
            exchange.nanosPerRead = TimeUnit.MILLISECONDS.toNanos(5);
            quick.doFilter(exchange.request(), exchange.response(),
                    (ThrowingChain) (request, response) -> response.setStatus(401));
            assertTrue(exchange.unread() > 0);
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, quick.getStats().getStoppedByTimeout());
        }

        @Test
        void aFailedReadEndsQuietly() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            exchange.arrived = 30_000;
            run(exchange, (request, response) -> response.setStatus(401));
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getStoppedByError());
        }

        @Test
        void noConnectionHeaderOnceCommitted() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(MIB + 1);
            exchange.committed = true;
            run(exchange, (request, response) -> { });
            assertEquals(0, exchange.readEvents());
            assertNull(exchange.responseHeaders.get("Connection"));
        }

        @Test
        void afterACommitOnlyWhatHasArrivedIsRead() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            exchange.arrived = 70_000;
            exchange.committed = true;
            run(exchange, (request, response) -> { });
            assertEquals(30_000, exchange.unread());
            assertFalse(exchange.events.contains("read failed"), "never reads what has not arrived");
            assertEquals(1, filter.getStats().getCommittedBeforeDrain());
        }
    }

    @Nested
    class Rule5ExpectContinue {

        @Test
        void anUnreadBodyIsNotSolicited() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            exchange.requestHeaders.put("Expect", "100-continue");
            run(exchange, (request, response) -> response.sendError(401));
            assertEquals(0, exchange.readEvents());
            assertFalse(exchange.events.contains("getInputStream"), "Jetty sends 100 Continue on getInputStream()");
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getSkippedExpectContinue());
        }

        @Test
        void aBodyTheApplicationStartedToReadIsDrained() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            exchange.requestHeaders.put("Expect", "100-Continue");
            run(exchange, (request, response) -> {
                request.getInputStream().read();
                response.sendError(422);
            });
            assertEquals(0, exchange.unread());
            assertNull(exchange.responseHeaders.get("Connection"));
        }
    }

    @Nested
    class Rule6ExceptionsFromTheChain {

        @ParameterizedTest
        @ValueSource(strings = {"io", "servlet", "runtime", "error"})
        void drainThenRethrowTheSameException(String kind) {
            Throwable thrown = switch (kind) {
                case "io" -> new IOException("boom");
                case "servlet" -> new ServletException("boom");
                case "runtime" -> new IllegalStateException("boom");
                default -> new AssertionError("boom");
            };
            FakeExchange exchange = FakeExchange.withBody(10_000);
            Throwable caught = assertThrows(Throwable.class, () -> run(exchange, (request, response) -> {
                if (thrown instanceof IOException e) {
                    throw e;
                } else if (thrown instanceof ServletException e) {
                    throw e;
                } else if (thrown instanceof RuntimeException e) {
                    throw e;
                }
                throw (Error) thrown;
            }));
            assertSame(thrown, caught);
            assertEquals(0, exchange.unread());
        }

        @Test
        void aFailingDrainNeverHidesTheApplicationsException() {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            exchange.arrived = 10;
            UncheckedIOException thrown = new UncheckedIOException(new IOException("application"));
            assertSame(thrown, assertThrows(UncheckedIOException.class,
                    () -> run(exchange, (request, response) -> {
                        throw thrown;
                    })));
            assertEquals(1, filter.getStats().getStoppedByError());
        }
    }

    @Nested
    class Rule7Async {

        @Test
        void drainsAtCompleteNotWhenTheFirstDispatchReturns() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            HttpServletRequest[] wrapped = new HttpServletRequest[1];
            run(exchange, (request, response) -> {
                request.startAsync();
                wrapped[0] = request;
            });
            assertEquals(100_000, exchange.unread(), "nothing read when the dispatch returns");
            CompletableFuture.runAsync(() -> wrapped[0].getAsyncContext().complete()).get(10, TimeUnit.SECONDS);
            assertEquals(0, exchange.unread());
            assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("commit"), exchange.events::toString);
        }

        @Test
        void drainsBeforeAWriteThroughTheAsyncContextFromAnotherThread() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            jakarta.servlet.AsyncContext[] context = new jakarta.servlet.AsyncContext[1];
            run(exchange, (request, response) -> context[0] = request.startAsync());
            CompletableFuture.runAsync(() -> {
                try {
                    ServletResponse response = context[0].getResponse();
                    response.setContentLength(5);
                    response.getOutputStream().write(new byte[5]);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(10, TimeUnit.SECONDS);
            assertEquals(0, exchange.unread());
            assertTrue(exchange.lastIndexOf("read") < exchange.indexOf("write"), exchange.events::toString);
        }

        @ParameterizedTest
        @ValueSource(strings = {"timeout", "error"})
        void drainsOnTimeoutAndOnError(String event) throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            run(exchange, (request, response) -> request.startAsync());
            assertEquals(1, exchange.asyncListeners.size());
            exchange.fireAsync(event);
            assertEquals(0, exchange.unread());
        }

        @Test
        void anAsyncDispatchThatEndsTheRequestDrains() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(100_000);
            HttpServletRequest[] wrapped = new HttpServletRequest[1];
            HttpServletResponse[] wrappedResponse = new HttpServletResponse[1];
            run(exchange, (request, response) -> {
                request.startAsync();
                wrapped[0] = request;
                wrappedResponse[0] = response;
            });
            exchange.asyncCompleted = true; // the container ends async mode for the dispatch
            exchange.dispatcherType = DispatcherType.ASYNC;
            filter.doFilter(wrapped[0], wrappedResponse[0], (ThrowingChain) (request, response) -> {
                assertSame(wrapped[0], request, "a later dispatch passes through");
                response.setStatus(204);
            });
            assertEquals(0, exchange.unread());
        }
    }

    @Nested
    class Rule8OncePerRequest {

        @Test
        void aLaterDispatchPassesThroughAndTheBodyIsDrainedOnce() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            run(exchange, (request, response) -> {
                assertNotSame(exchange.request(), request);
                exchange.dispatcherType = DispatcherType.FORWARD;
                filter.doFilter(request, response, (ThrowingChain) (forwarded, forwardedResponse) -> {
                    assertSame(request, forwarded);
                    forwardedResponse.sendError(404);
                });
                exchange.dispatcherType = DispatcherType.REQUEST;
            });
            assertEquals(0, exchange.unread());
            assertEquals(1, filter.getStats().getDrainedRequests());
            assertEquals(1, filter.getStats().getRequestsWithBody(), "one request, however many dispatches");
        }

        @ParameterizedTest
        @ValueSource(strings = {"read", "sendError", "throw", "startAsync"})
        void theContainerKeepsTheWrappersOnlyWhereAnotherDispatchOfItsOwnRequestCanFollow(String servlet)
                throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            try {
                run(exchange, (request, response) -> {
                    switch (servlet) {
                        case "read" -> request.getInputStream().readAllBytes();
                        case "sendError" -> response.sendError(401);
                        case "throw" -> throw new ServletException("boom");
                        default -> request.startAsync();
                    }
                });
            } catch (ServletException expected) {
                assertEquals("throw", servlet);
            }
            Object kept = exchange.attributes.get(BodyDrainFilter.DRAIN_ATTRIBUTE);
            if (servlet.equals("read")) {
                assertNull(kept, "an entry in the container's attributes is an allocation a request");
                return;
            }
            assertNotNull(kept);
            exchange.asyncCompleted = true;
            exchange.dispatcherType = servlet.equals("startAsync") ? DispatcherType.ASYNC : DispatcherType.ERROR;
            filter.doFilter(exchange.request(), exchange.response(),
                    (ThrowingChain) (request, response) -> assertSame(kept, request, "the same wrappers"));
            assertEquals(0, exchange.unread());
            assertEquals(1, filter.getStats().getRequestsWithBody(), "one request, however many dispatches");
        }

        @Test
        void anIncludeNeverTakesCharge() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            exchange.dispatcherType = DispatcherType.INCLUDE;
            run(exchange, (request, response) -> assertSame(exchange.request(), request));
            assertEquals(10_000, exchange.unread());
        }

        @Test
        void anErrorDispatchSeenFirstTakesCharge() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(10_000);
            exchange.dispatcherType = DispatcherType.ERROR;
            run(exchange, (request, response) -> response.setStatus(500));
            assertEquals(0, exchange.unread());
        }
    }

    @Nested
    class Rule10Counters {

        @Test
        void countEveryOutcome() throws Exception {
            run(FakeExchange.withBody(1000), (request, response) -> response.setStatus(401));
            run(FakeExchange.withBody(2 * MIB), (request, response) -> response.setStatus(413));
            FakeExchange broken = FakeExchange.withBody(1000);
            broken.arrived = 10;
            run(broken, (request, response) -> response.setStatus(401));
            FakeExchange expect = FakeExchange.withBody(1000);
            expect.requestHeaders.put("Expect", "100-continue");
            run(expect, (request, response) -> response.setStatus(401));
            run(new FakeExchange(), (request, response) -> response.setStatus(200));

            DrainStats stats = filter.getStats();
            assertEquals(4, stats.getRequestsWithBody(), "the denominator: the bodiless request is not in it");
            assertEquals(1, stats.getDrainedRequests());
            assertEquals(1000 + 10, stats.getDrainedBytes());
            assertEquals(1, stats.getSkippedOverLimit());
            assertEquals(1, stats.getStoppedByError());
            assertEquals(1, stats.getSkippedExpectContinue());
            assertEquals(0, stats.getStoppedByTimeout());
            assertTrue(stats.toString().contains("drained=1, over_limit=1"), stats::toString);
        }
    }

    /** Where the chain returns with the response uncommitted and async supported, no thread waits. */
    @Nested
    class Rule11DrainsWithoutAThread {

        private FakeExchange asyncExchange(int length) {
            FakeExchange exchange = FakeExchange.withBody(length);
            exchange.asyncSupported = true;
            return exchange;
        }

        @Test
        void theDrainReadsAsTheBodyArrivesAndThenLetsTheResponseGo() throws Exception {
            FakeExchange exchange = asyncExchange(100_000);
            exchange.arrived = 30_000;
            run(exchange, (request, response) -> response.setStatus(401));

            assertTrue(exchange.asyncStarted, exchange.events::toString);
            assertTrue(exchange.events.contains("setReadListener"), exchange.events::toString);
            assertFalse(exchange.committed, "the response waits for the drain");
            exchange.readListener.onDataAvailable();
            assertEquals(30_000, exchange.bodyBytesRead(), "only what has arrived");
            assertFalse(exchange.asyncCompleted);

            exchange.arrived = Integer.MAX_VALUE;
            exchange.readListener.onDataAvailable();
            assertTrue(exchange.asyncCompleted, exchange.events::toString);
            assertEquals(0, exchange.unread());
            assertNull(exchange.responseHeaders.get("Connection"));
            assertEquals(1, filter.getStats().getDrainedRequests());
            assertEquals(100_000, filter.getStats().getDrainedBytes());
        }

        @Test
        void theDeadlineEndsADrainThatGetsNothing() throws Exception {
            BodyDrainFilter quick = BodyDrainFilter.builder().timeoutMs(20).build();
            FakeExchange exchange = asyncExchange(100_000);
            exchange.arrived = 0;
            quick.doFilter(exchange.request(), exchange.response(),
                    (ThrowingChain) (request, response) -> response.setStatus(401));
            assertTrue(exchange.completion.await(2, TimeUnit.SECONDS), exchange.events::toString);
            assertEquals("close", exchange.responseHeaders.get("Connection"));
            assertEquals(1, quick.getStats().getStoppedByTimeout());
            quick.destroy();
        }

        /** The filter is going, so its drains end with it (its timer's thread too: DeadlinesTest). */
        @Test
        void aDrainThatWaitsWhenTheFilterIsDestroyedEndsThen() throws Exception {
            BodyDrainFilter slow = BodyDrainFilter.builder().timeoutMs(600_000).build();
            FakeExchange exchange = asyncExchange(100_000);
            exchange.arrived = 0;
            slow.doFilter(exchange.request(), exchange.response(),
                    (ThrowingChain) (request, response) -> response.setStatus(401));
            slow.destroy();
            assertEquals(0, exchange.completion.getCount(), "completed by destroy: " + exchange.events);
            assertEquals(1, slow.getStats().getStoppedByTimeout());
            assertEquals("close", exchange.responseHeaders.get("Connection"));
        }

        @Test
        void theContainersAsyncTimeoutEndsItToo() throws Exception {
            FakeExchange exchange = asyncExchange(100_000);
            exchange.arrived = 0;
            run(exchange, (request, response) -> response.setStatus(401));
            exchange.fireAsync("timeout");
            assertTrue(exchange.asyncCompleted);
            assertEquals(1, filter.getStats().getStoppedByTimeout());
            assertEquals("close", exchange.responseHeaders.get("Connection"));
        }

        @Test
        void aFailedReadEndsItQuietly() throws Exception {
            FakeExchange exchange = asyncExchange(100_000);
            exchange.arrived = 0;
            run(exchange, (request, response) -> response.setStatus(401));
            exchange.readListener.onError(new IOException("client went away"));
            assertTrue(exchange.asyncCompleted);
            assertEquals(1, filter.getStats().getStoppedByError());
        }

        @Test
        void aBodyThatAllArrivedEndsAtTheLastRead() throws Exception {
            FakeExchange exchange = asyncExchange(10_000);
            run(exchange, (request, response) -> response.setStatus(401));
            exchange.readListener.onAllDataRead();
            assertTrue(exchange.asyncCompleted);
            assertEquals(1, filter.getStats().getDrainedRequests());
        }

        @Test
        void nothingGoesAsyncWhereNoReadIsNeeded() throws Exception {
            FakeExchange finished = asyncExchange(1000);
            run(finished, (request, response) -> request.getInputStream().readAllBytes());
            FakeExchange tooLong = asyncExchange(2 * MIB);
            run(tooLong, (request, response) -> response.setStatus(413));
            for (FakeExchange exchange : List.of(finished, tooLong)) {
                assertFalse(exchange.asyncStarted, exchange.events::toString);
            }
            assertEquals(1, filter.getStats().getSkippedOverLimit());
        }

        @Test
        void anUninvitedBodyIsReadOnlyOnceTheResponseHasGoneOut() throws Exception {
            FakeExchange exchange = asyncExchange(1000);
            exchange.requestHeaders.put("Expect", "100-continue");
            exchange.arrived = 0;
            run(exchange, (request, response) -> response.setStatus(401));
            assertTrue(exchange.indexOf("commit") >= 0, exchange.events::toString);
            assertTrue(exchange.indexOf("commit") < exchange.indexOf("getInputStream"), exchange.events::toString);
            assertTrue(exchange.asyncStarted);
            exchange.arrived = Integer.MAX_VALUE; // the client sends it anyway, as curl does after a second
            exchange.readListener.onDataAvailable();
            assertTrue(exchange.asyncCompleted, exchange.events::toString);
            assertEquals(1000, filter.getStats().getDrainedBytes());
            assertEquals(0, filter.getStats().getSkippedExpectContinue());
        }

        @Test
        void anUninvitedBodyIsNotReadBeforeAWriteThatCommits() throws Exception {
            FakeExchange exchange = asyncExchange(1000);
            exchange.requestHeaders.put("Expect", "100-continue");
            run(exchange, (request, response) -> {
                response.setContentLength(100);
                write(response, 100);
            });
            assertTrue(exchange.indexOf("commit") < exchange.indexOf("getInputStream"), exchange.events::toString);
            exchange.readListener.onAllDataRead();
            assertEquals(1000, filter.getStats().getDrainedBytes());
        }

        @Test
        void anUninvitedBodyOfASynchronousRequestIsNeverRead() throws Exception {
            FakeExchange exchange = FakeExchange.withBody(1000);
            exchange.requestHeaders.put("Expect", "100-continue");
            run(exchange, (request, response) -> response.setStatus(401));
            assertEquals(-1, exchange.indexOf("getInputStream"), exchange.events::toString);
            assertEquals(1, filter.getStats().getSkippedExpectContinue());
            assertEquals("close", exchange.responseHeaders.get("Connection"));
        }

        @Test
        void aCommittedResponseAThrowingChainOrASettingOfFalseDrainOnTheThread() throws Exception {
            FakeExchange committed = asyncExchange(1000);
            committed.arrived = 500;
            run(committed, (request, response) -> {
                BodyDrainFilter.enableFullDuplex(request);
                response.flushBuffer();
            });
            FakeExchange threw = asyncExchange(1000);
            assertThrows(IllegalStateException.class, () -> run(threw, (request, response) -> {
                throw new IllegalStateException("from the application");
            }));
            BodyDrainFilter blocking = BodyDrainFilter.builder().nonBlocking(false).build();
            assertFalse(blocking.isNonBlocking());
            assertTrue(filter.isNonBlocking());
            FakeExchange off = asyncExchange(1000);
            blocking.doFilter(off.request(), off.response(), (ThrowingChain) (request, response) -> response.setStatus(401));
            for (FakeExchange exchange : List.of(committed, threw, off)) {
                assertFalse(exchange.asyncStarted, exchange.events::toString);
            }
            assertEquals(0, threw.unread(), "drained on the thread");
            assertEquals(0, off.unread(), "drained on the thread");
        }
    }

    @Nested
    class Rule12ExcludedPaths {

        @Test
        void anExcludedPathIsLeftAloneWithinItsContext() throws Exception {
            BodyDrainFilter excluding = BodyDrainFilter.builder().excludedPaths("/stream/*").build();
            assertEquals(List.of("/stream/*"), excluding.getExcludedPaths());
            FakeExchange excluded = FakeExchange.withBody(1000);
            excluded.contextPath = "/app";
            excluded.requestUri = "/app/stream/42";
            FakeExchange drained = FakeExchange.withBody(1000);
            drained.contextPath = "/app";
            drained.requestUri = "/app/upload";
            for (FakeExchange exchange : List.of(excluded, drained)) {
                excluding.doFilter(exchange.request(), exchange.response(),
                        (ThrowingChain) (request, response) -> {
                            assertEquals(exchange == excluded, request == exchange.request(), "wrapped or not");
                            response.setStatus(401);
                        });
            }
            assertEquals(1000, excluded.unread());
            assertEquals(0, drained.unread());
            assertEquals(1, excluding.getStats().getDrainedRequests());
        }
    }
}
