package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wrappers pass through what they do not change, and see every way a response declares its length. */
class WrappersTest {

    private static final int MIB = 1024 * 1024;

    private final BodyDrainFilter filter = BodyDrainFilter.builder().maxBytes(1000).timeoutMs(5_000).build();

    private void run(FakeExchange exchange, BodyDrainFilterTest.ThrowingChain servlet) throws Exception {
        filter.doFilter(exchange.request(), exchange.response(), servlet);
    }

    @ParameterizedTest
    @ValueSource(strings = {"setContentLength", "setContentLengthLong", "setHeader", "addHeader", "setIntHeader",
            "addIntHeader"})
    void everyWayToDeclareTheLengthDrainsBeforeTheWriteThatCompletesIt(String how) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            switch (how) {
                case "setContentLength" -> response.setContentLength(5);
                case "setContentLengthLong" -> response.setContentLengthLong(5);
                case "setHeader" -> response.setHeader("content-length", "5");
                case "addHeader" -> response.addHeader("Content-Length", " 5 ");
                case "setIntHeader" -> response.setIntHeader("Content-Length", 5);
                default -> response.addIntHeader("CONTENT-LENGTH", 5);
            }
            assertEquals("5", exchange.responseHeaders.get("Content-Length").trim(), "passed on");
            response.getOutputStream().write(new byte[4]);
            exchange.events.add("four");
            response.getOutputStream().write(new byte[1]);
        });
        int drained = exchange.lastIndexOf("read");
        assertTrue(drained > exchange.indexOf("four") && drained < exchange.lastIndexOf("write"), exchange.events::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"five", ""})
    void aLengthThatIsNoNumberDeclaresNothing(String value) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            response.setHeader("Content-Length", value.isEmpty() ? null : value);
            response.setHeader("X-Other", "5");
            response.getOutputStream().write(new byte[5]);
            exchange.events.add("written");
        });
        assertTrue(exchange.indexOf("read") > exchange.indexOf("written"), exchange.events::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"getParameter", "getParameterMap", "getParameterNames", "getParameterValues",
            "getParts", "getPart"})
    void aBodyTheContainerParsedItselfIsNotOverTheLimit(String method) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(5 * MIB);
        exchange.finishedOnlyAfterTheEndIsRead = true; // as Jetty after it parsed a form
        Object[] returned = new Object[1];
        run(exchange, (request, response) -> {
            returned[0] = switch (method) {
                case "getParameter" -> request.getParameter("a");
                case "getParameterMap" -> request.getParameterMap();
                case "getParameterNames" -> request.getParameterNames();
                case "getParameterValues" -> request.getParameterValues("a");
                case "getParts" -> request.getParts();
                default -> request.getPart("a");
            };
            response.setStatus(200);
        });
        assertSame(exchange.parsed.get(method), returned[0], "passed on");
        assertEquals(1, filter.getStats().count(DrainOutcome.NOTHING_LEFT), filter.getStats()::toString);
        assertNull(exchange.responseHeaders.get("Connection"));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"JETTY, getParts, close", "JETTY, getPart, close",
        "TOMCAT, getParts,", "OTHER, getPart,"})
    void aFailedMultipartParseIsAnnouncedWhereTheContainerClosesAfterIt(Container container, String method,
            String connection) {
        FakeExchange exchange = FakeExchange.withBody(5 * MIB);
        exchange.partsFailure = new IllegalStateException("max length exceeded: 1048576");
        RequestDrain drain = new RequestDrain(new Drainer(DrainSettings.DEFAULTS, new DrainStats()));
        DrainingResponse response = new DrainingResponse(exchange.response(), exchange.request(), drain, container);
        DrainingRequest request = new DrainingRequest(exchange.request(), response, drain);
        drain.bind(request.body(), response);

        Exception thrown = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> { if (method.equals("getParts")) request.getParts(); else request.getPart("file"); });
        assertSame(exchange.partsFailure, thrown, "the container's own exception");
        assertEquals(connection, exchange.responseHeaders.get("Connection"));
        response.reset();
        assertEquals(connection, exchange.responseHeaders.get("Connection"), "a reset keeps the notice");
    }

    @Test
    void anEmptyDeclaredResponseDrainsAtItsFirstWrite() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            response.setContentLength(0);
            response.getOutputStream().write(new byte[0]);
            exchange.events.add("written");
        });
        assertTrue(exchange.indexOf("read") < exchange.indexOf("written"), exchange.events::toString);
    }

    @Test
    void jettysShareOfTheBufferIsAQuarter() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        RequestDrain drain = new RequestDrain(new Drainer(DrainSettings.DEFAULTS, new DrainStats()));
        DrainingResponse response = new DrainingResponse(exchange.response(), exchange.request(), drain, Container.JETTY);
        drain.bind(new DrainingRequest(exchange.request(), response, drain).body(), response);
        response.getOutputStream().write(new byte[2047]);
        assertFalse(drain.isDone());
        response.getOutputStream().write(1);
        assertTrue(drain.isDone());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "org.eclipse.jetty.ee10.servlet.ServletApiResponse, JETTY, 4, false",
        "org.eclipse.jetty.ee11.servlet.ServletApiResponse, JETTY, 4, false",
        "org.apache.catalina.connector.ResponseFacade, TOMCAT, 1, true",
        "io.undertow.servlet.spec.HttpServletResponseImpl, OTHER, 1, false"})
    void theContainerIsKnownByItsResponse(String responseClass, Container container, int share, boolean continues) {
        assertSame(container, Container.of(responseClass));
        assertEquals(share, container.bufferShare());
        assertEquals(continues, container.continuesBeforeTheApplication());
        assertEquals(container == Container.JETTY, container.closesAfterFailedParts());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"TOMCAT, false", "JETTY, true", "OTHER, true"})
    void anAnnouncedBodyAwaitsAnInvitationUnlessTheContainerSentIt(Container container, boolean awaits) {
        FakeExchange exchange = FakeExchange.withBody(500);
        exchange.requestHeaders.put("Expect", "100-Continue");
        RequestDrain drain = new RequestDrain(new Drainer(DrainSettings.DEFAULTS, new DrainStats()));
        assertEquals(awaits, new DrainingResponse(exchange.response(), exchange.request(), drain, container)
                .awaitsContinue());
        exchange.requestHeaders.remove("Expect");
        assertFalse(new DrainingResponse(exchange.response(), exchange.request(), drain, container).awaitsContinue());
    }

    @Test
    void singleByteWritesAreCountedToo() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            ServletOutputStream out = response.getOutputStream();
            for (int i = 0; i < 8191; i++) {
                out.write('a');
            }
            exchange.events.add("below");
            out.write('a');
        });
        int read = exchange.indexOf("read");
        assertTrue(read > exchange.indexOf("below") && read < exchange.lastIndexOf("write"), exchange.events::toString);
    }

    @Test
    void everyWriterPathIsCountedAndReachesTheContainer() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            PrintWriter writer = response.getWriter();
            writer.write("abc".toCharArray());
            writer.write('d');
            writer.print("ef");
            writer.println();
            writer.flush();
            assertEquals(7, exchange.written, "the characters, as ISO-8859-1 bytes");
        });
    }

    @Test
    void aCharsetTheFilterCannotNameCountsFourBytesAChar() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        exchange.responseEncoding = "x-no-such-charset";
        run(exchange, (request, response) -> {
            response.getWriter().write("a".repeat(2047).toCharArray());
            exchange.events.add("below");
            response.getWriter().write('b');
            exchange.events.add("above");
        });
        int read = exchange.indexOf("read");
        assertTrue(read > exchange.indexOf("below") && read < exchange.indexOf("above"), exchange.events::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"flush", "close", "flushBuffer", "writerFlush", "writerClose", "reset", "resetBuffer"})
    void whatCommitsOrClearsReachesTheContainer(String call) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            switch (call) {
                case "flush" -> response.getOutputStream().flush();
                case "close" -> response.getOutputStream().close();
                case "flushBuffer" -> response.flushBuffer();
                case "writerFlush" -> response.getWriter().flush();
                case "writerClose" -> response.getWriter().close();
                case "reset" -> response.reset();
                default -> response.resetBuffer();
            }
        });
        String seen = switch (call) {
            case "writerFlush" -> "flush";
            case "writerClose" -> "close";
            default -> call;
        };
        assertTrue(exchange.events.contains(seen), exchange.events::toString);
    }

    @Test
    void theOutputStreamPassesNonBlockingThrough() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            ServletOutputStream out = response.getOutputStream();
            assertTrue(out.isReady());
            exchange.outputReady = false;
            assertFalse(out.isReady());
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() {
                }

                @Override
                public void onError(Throwable t) {
                }
            });
        });
        assertTrue(exchange.events.contains("setWriteListener"));
    }

    @Test
    void theInputStreamPassesTheContainersStateThrough() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        exchange.arrived = 300;
        run(exchange, (request, response) -> {
            ServletInputStream in = request.getInputStream();
            assertEquals(300, in.available());
            assertTrue(in.isReady());
            assertFalse(in.isFinished());
            assertEquals(300, in.read(new byte[1000]));
            assertFalse(in.isReady());
            assertEquals(0, in.available());
            exchange.arrived = Integer.MAX_VALUE;
            assertEquals(200, in.read(new byte[1000]));
            assertTrue(in.isFinished());
            in.close();
            assertEquals(0, in.available(), "closed");
        });
        assertTrue(exchange.events.contains("input closed"), exchange.events::toString);
    }

    @Test
    void everyReadOfTheApplicationCountsTowardsWhatIsLeft() throws Exception {
        // 1500 declared, limit 1000: only what the application consumed brings the rest within it.
        FakeExchange exchange = FakeExchange.withBody(1500);
        java.util.Arrays.fill(exchange.body, (byte) 0); // a zero byte is a byte too
        exchange.body[100] = '\n';
        run(exchange, (request, response) -> {
            ServletInputStream in = request.getInputStream();
            for (int i = 0; i < 50; i++) {
                assertEquals(0, in.read());
            }
            assertEquals(51, in.readLine(new byte[200], 0, 200));
            assertEquals(200, in.skip(200));
            assertEquals(200, in.read(new byte[200]));
            response.sendError(400);
        });
        assertEquals(0, exchange.unread());
        assertEquals(1500 - 501, filter.getStats().getDrainedBytes());
        assertEquals(1, filter.getStats().getDrainedRequests(), filter.getStats()::toString);
    }

    @Test
    void aNonBlockingReaderIsDrainedOnlyAsFarAsTheContainerIsReady() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(900);
        exchange.arrived = 600;
        exchange.availableSeesOnlyItsBuffer = true; // as Tomcat's in blocking mode
        run(exchange, (request, response) -> {
            request.getInputStream().setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() {
                }

                @Override
                public void onAllDataRead() {
                }

                @Override
                public void onError(Throwable t) {
                }
            });
            response.sendError(400);
        });
        assertTrue(exchange.events.contains("setReadListener"));
        assertEquals(300, exchange.unread());
        assertFalse(exchange.events.contains("read failed"), "never reads what has not arrived");
        assertEquals(1, filter.getStats().getCommittedBeforeDrain());
    }

    @Test
    void aRequestThatIsNotHttpPassesThrough() throws Exception {
        ServletRequest request = (ServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServletRequest.class}, (proxy, method, args) -> null);
        ServletResponse response = new FakeExchange().response();
        List<Object> seen = new ArrayList<>();
        filter.doFilter(request, response, (req, res) -> {
            seen.add(req);
            seen.add(res);
        });
        assertEquals(List.of(request, response), seen);
    }

    @Test
    void everyDispatchThatPassesThroughReachesTheChain() throws Exception {
        List<String> ran = new ArrayList<>();
        FakeExchange noBody = new FakeExchange();
        filter.doFilter(noBody.request(), noBody.response(), (req, res) -> ran.add("no body"));
        FakeExchange exchange = FakeExchange.withBody(500);
        run(exchange, (request, response) -> {
            exchange.dispatcherType = DispatcherType.FORWARD;
            filter.doFilter(request, response, (req, res) -> ran.add("forward"));
        });
        assertEquals(List.of("no body", "forward"), ran);
    }

    @Test
    void aLaterDispatchOfTheApplicationsOwnWrapperKeepsIt() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        List<Object> seen = new ArrayList<>();
        run(exchange, (request, response) -> {
            jakarta.servlet.http.HttpServletRequestWrapper own = new jakarta.servlet.http.HttpServletRequestWrapper(request);
            exchange.dispatcherType = DispatcherType.FORWARD;
            filter.doFilter(own, response, (req, res) -> seen.add(req));
            seen.add(own);
        });
        assertSame(seen.get(1), seen.get(0));
    }

    @Test
    void anAsyncDispatchThatStartsAsyncAgainLeavesTheBodyForItsEnd() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        List<Object> wrappers = startAsync(exchange);
        exchange.dispatcherType = DispatcherType.ASYNC;
        filter.doFilter((ServletRequest) wrappers.get(0), (ServletResponse) wrappers.get(1),
                (req, res) -> req.startAsync());
        assertEquals(500, exchange.unread());
    }

    /** Runs a first dispatch that starts async processing; returns the wrappers it was given. */
    private List<Object> startAsync(FakeExchange exchange) throws Exception {
        List<Object> wrappers = new ArrayList<>();
        run(exchange, (request, response) -> {
            request.startAsync();
            wrappers.add(request);
            wrappers.add(response);
        });
        return wrappers;
    }

    @Test
    void anAsyncDispatchOfTheContainersOwnRequestGetsTheWrappersAgain() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        List<Object> wrappers = startAsync(exchange);
        exchange.dispatcherType = DispatcherType.ASYNC;
        exchange.asyncCompleted = true;
        List<Object> seen = new ArrayList<>();
        filter.doFilter(exchange.request(), exchange.response(), (req, res) -> {
            seen.add(req);
            seen.add(res);
        });
        assertEquals(wrappers, seen);
        assertEquals(0, exchange.unread(), "the dispatch that ends the request drains");
    }

    @Test
    void theAsyncContextPassesEverythingElseThrough() throws Exception {
        List<String> calls = new ArrayList<>();
        AsyncContext container = (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {AsyncContext.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + (args == null ? "" : Arrays.toString(args)));
                    return switch (method.getName()) {
                        case "getTimeout" -> 1234L;
                        case "hasOriginalRequestAndResponse" -> true;
                        case "createListener" -> new RecordingListener();
                        default -> null;
                    };
                });
        FakeExchange exchange = FakeExchange.withBody(500);
        RequestDrain drain = new RequestDrain(new Drainer(DrainSettings.DEFAULTS, new DrainStats()));
        DrainingResponse response = new DrainingResponse(exchange.response(), exchange.request(), drain, Container.OTHER);
        DrainingRequest request = new DrainingRequest(exchange.request(), response, drain);
        DrainingAsyncContext context = new DrainingAsyncContext(container, request, exchange.request(), response, drain);
        ServletContext servletContext = (ServletContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> "context");
        Runnable task = () -> { };

        context.dispatch();
        context.dispatch("/a");
        context.dispatch(servletContext, "/b");
        context.start(task);
        context.setTimeout(99);
        assertEquals(1234L, context.getTimeout());
        assertTrue(context.hasOriginalRequestAndResponse());
        assertTrue(context.createListener(RecordingListener.class) instanceof RecordingListener);
        assertNull(context.getRequest(), "what the container holds, when it holds nothing of the filter's");

        assertEquals(List.of("dispatch", "dispatch[/a]", "dispatch[context, /b]", "start[" + task + "]",
                "setTimeout[99]", "getTimeout", "hasOriginalRequestAndResponse",
                "createListener[class " + RecordingListener.class.getName() + "]", "getRequest"), calls);
    }

    @Test
    void anApplicationsListenerHearsARestart() throws Exception {
        FakeExchange exchange = FakeExchange.withBody(500);
        RecordingListener listener = new RecordingListener();
        jakarta.servlet.http.HttpServletRequest[] wrapped = new jakarta.servlet.http.HttpServletRequest[1];
        run(exchange, (request, response) -> {
            wrapped[0] = request;
            request.startAsync().addListener(listener);
        });
        AsyncContext first = wrapped[0].getAsyncContext();
        exchange.restartAsync();
        assertEquals(List.of("onStartAsync"), listener.heard);
        assertSame(wrapped[0].getAsyncContext(), listener.events.get(0).getAsyncContext(), "the new context, wrapped");
        assertFalse(first == listener.events.get(0).getAsyncContext());
    }
}
