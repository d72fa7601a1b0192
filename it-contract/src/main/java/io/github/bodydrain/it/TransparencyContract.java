package io.github.bodydrain.it;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainOutcome;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.MultipartConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter changes nothing an application can see. Each application pattern runs on three
 * servers of the same container at its defaults: without the filter, with the filter at its
 * defaults, and with a {@code maxBytes} smaller than the body. The application must observe the
 * same (bytes read, parameters, part sizes, exceptions) and the client must receive the same
 * response. Where the application read the whole body, the filter must find nothing left, at
 * either limit; where it left the body, the filter at its defaults must drain it; and wherever
 * the body ended up consumed, the connection stays open and serves the next request.
 * Each container module extends this with its {@link ServerController}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
public abstract class TransparencyContract {

    /** How the filter stands in front of the application. */
    enum Setup { WITHOUT, DEFAULTS, SMALL_LIMIT }

    private static final int SMALL_LIMIT = 1024;
    private static final int BODY = 256 * 1024;
    private static final String CASE = "X-Case";

    private static final Map<String, CompletableFuture<String>> OBSERVED = new ConcurrentHashMap<>();
    private static final AtomicLong CASES = new AtomicLong();

    private final Map<Setup, ServerController> servers = new EnumMap<>(Setup.class);
    private final Map<Setup, Integer> ports = new EnumMap<>(Setup.class);
    private final Map<Setup, BodyDrainFilter> filters = new EnumMap<>(Setup.class);

    /** A new controller of the container under test; called once for each setup. */
    protected abstract ServerController controller();

    @BeforeAll
    void startServers() throws Exception {
        filters.put(Setup.DEFAULTS, new BodyDrainFilter());
        filters.put(Setup.SMALL_LIMIT, BodyDrainFilter.builder().maxBytes(SMALL_LIMIT).build());
        for (Setup setup : Setup.values()) {
            ServerController server = controller();
            servers.put(setup, server);
            ports.put(setup, server.start(filters.get(setup), servlets(), ServerController.BodyHandling.DEFAULT));
        }
    }

    @AfterAll
    void stopServers() throws Exception {
        for (ServerController server : servers.values()) {
            server.stop();
        }
    }

    // ---------------------------------------------------------------- the patterns

    @Test
    void writesALittleThenReadsThroughTheStream() throws Exception {
        assertTransparent(Request.post("/write-then-read", "application/octet-stream", bytes(BODY)));
    }

    @Test
    void writesALittleThenReadsThroughTheWriterAndReader() throws Exception {
        assertTransparent(Request.post("/write-then-read?writer", "text/plain; charset=UTF-8", lines(5_000)));
    }

    @Test
    void echoesOneMebibyteLineByLine() throws Exception {
        assertTransparent(Request.post("/echo", "text/plain; charset=UTF-8", lines(1024 * 1024 / 64)));
    }

    @Test
    void readsAFormThroughGetParameter() throws Exception {
        String form = "name=" + "n".repeat(50_000) + "&note=" + "caf%C3%A9+".repeat(5_000) + "&empty=";
        assertTransparent(Request.post("/form", "application/x-www-form-urlencoded",
                form.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void readsMultipartThroughGetParts() throws Exception {
        String boundary = "----body-drain-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(bytes(300_000));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTransparent(Request.post("/parts", "multipart/form-data; boundary=" + boundary, body.toByteArray()));
    }

    @Test
    void closesItsInputAfterReadingAFewBytes() throws Exception {
        assertTransparent(Request.post("/close-input", "application/octet-stream", bytes(BODY)).leavesTheBody());
    }

    @Test
    void readsAMultibyteBodyThroughGetReader() throws Exception {
        byte[] text = "é€ 漢字 🙂\n".repeat(20_000).getBytes(StandardCharsets.UTF_8);
        assertTransparent(Request.post("/reader", "text/plain; charset=UTF-8", text));
    }

    @Test
    void readsAChunkedBodyToItsLastByteButNotToTheEnd() throws Exception {
        assertTransparent(Request.post("/exact?length=" + BODY, "application/json", bytes(BODY)).chunked());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commitCalls")
    void sendsAnErrorOrARedirectWithoutReading(String call) throws Exception {
        assertTransparent(Request.post("/send?call=" + call, "application/octet-stream", bytes(BODY)).leavesTheBody());
    }

    /** Every overload of the Servlet API that the container implements; 6.1 added three redirects. */
    Stream<String> commitCalls() {
        List<String> calls = new ArrayList<>(List.of("sendError(int)", "sendError(int,String)", "sendRedirect(String)"));
        try {
            HttpServletResponse.class.getMethod("sendRedirect", String.class, int.class, boolean.class);
            calls.addAll(List.of("sendRedirect(String,int)", "sendRedirect(String,boolean)",
                    "sendRedirect(String,int,boolean)"));
        } catch (NoSuchMethodException servlet60) {
            // Servlet 6.0: the container has no such methods for an application to call.
        }
        return calls.stream();
    }

    @Test
    void startsAsyncAfterAForwardThenDispatches() throws Exception {
        assertTransparent(Request.post("/forward-async", "application/octet-stream", bytes(BODY)));
    }

    @Test
    void completesAsyncThroughTheContextOfTheTimeoutEvent() throws Exception {
        assertTransparent(Request.post("/async-timeout", "application/octet-stream", bytes(BODY)).leavesTheBody());
    }

    // ---------------------------------------------------------------- the comparison

    /** What one setup did with one request: what the application saw, what the client got. */
    record Seen(String application, int status, Map<String, String> headers, String body, boolean closes,
            boolean nextRequestServed, DrainOutcome outcome) {
        String comparable() {
            return "application: " + application + "\nstatus: " + status + "\nlocation: " + headers.get("Location")
                    + "\nbody: " + body;
        }
    }

    private void assertTransparent(Request request) throws Exception {
        Map<Setup, Seen> seen = new EnumMap<>(Setup.class);
        for (Setup setup : Setup.values()) {
            seen.put(setup, exchange(setup, request));
        }
        Seen without = seen.get(Setup.WITHOUT);
        for (Setup setup : List.of(Setup.DEFAULTS, Setup.SMALL_LIMIT)) {
            Seen with = seen.get(setup);
            assertEquals(without.comparable(), with.comparable(), setup + " saw otherwise than " + Setup.WITHOUT);
            if (request.readsItAll()) {
                // Whatever the limit: the application took the body, nothing is left to bound.
                assertEquals(DrainOutcome.NOTHING_LEFT, with.outcome(), setup::toString);
            }
            if (setup == Setup.DEFAULTS && !request.readsItAll()) {
                assertEquals(DrainOutcome.DRAINED, with.outcome(), "at its defaults the filter drains what was left");
            }
            if (!with.outcome().closesConnection()) {
                assertFalse(with.closes(), () -> setup + ": the body was consumed (" + with.outcome()
                        + "), yet Connection: close " + with.headers());
                assertTrue(with.nextRequestServed(), () -> setup + ": the connection did not serve the next request");
            }
        }
    }

    private Seen exchange(Setup setup, Request request) throws Exception {
        String id = setup + "-" + CASES.incrementAndGet();
        CompletableFuture<String> observed = OBSERVED.computeIfAbsent(id, k -> new CompletableFuture<>());
        BodyDrainFilter filter = filters.get(setup);
        Map<DrainOutcome, Long> before = counts(filter);
        try (KeepAliveConnection connection = new KeepAliveConnection(ports.get(setup))) {
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    connection.write(request.bytes(id));
                } catch (IOException e) {
                    // The server may answer and close before it reads all; the response tells.
                }
            });
            KeepAliveConnection.Response response = connection.response();
            String application = observed.get(30, TimeUnit.SECONDS);
            sent.get(30, TimeUnit.SECONDS);
            boolean served = false;
            if (!response.closesConnection()) {
                try {
                    connection.write("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    served = connection.response().status() == 200;
                } catch (IOException closedWithoutSaying) {
                    // Jetty, without the filter, closes a connection with unread bytes and says nothing.
                }
            }
            return new Seen(application, response.status(), response.headers(),
                    summary(response.body()), response.closesConnection(), served, outcome(filter, before));
        } finally {
            OBSERVED.remove(id);
        }
    }

    private static Map<DrainOutcome, Long> counts(BodyDrainFilter filter) {
        Map<DrainOutcome, Long> counts = new EnumMap<>(DrainOutcome.class);
        if (filter != null) {
            for (DrainOutcome outcome : DrainOutcome.values()) {
                counts.put(outcome, filter.getStats().count(outcome));
            }
        }
        return counts;
    }

    /** The outcome this exchange added to the filter's counters (one exchange at a time). */
    private static DrainOutcome outcome(BodyDrainFilter filter, Map<DrainOutcome, Long> before) {
        if (filter == null) {
            return null;
        }
        for (DrainOutcome outcome : DrainOutcome.values()) {
            if (filter.getStats().count(outcome) > before.get(outcome)) {
                return outcome;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- the request

    /** A POST with a body, sent with a Content-Length or chunked. */
    record Request(String path, String contentType, byte[] body, boolean isChunked, boolean readsItAll) {
        /** A request whose application reads the whole body. */
        static Request post(String path, String contentType, byte[] body) {
            return new Request(path, contentType, body, false, true);
        }

        Request chunked() {
            return new Request(path, contentType, body, true, readsItAll);
        }

        /** The application leaves (most of) the body unread. */
        Request leavesTheBody() {
            return new Request(path, contentType, body, isChunked, false);
        }

        byte[] bytes(String id) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType + "\r\n"
                    + CASE + ": " + id + "\r\n" + (isChunked ? "Transfer-Encoding: chunked\r\n"
                    : "Content-Length: " + body.length + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            if (!isChunked) {
                out.write(body);
                return out.toByteArray();
            }
            for (int at = 0; at < body.length; at += 8192) {
                int n = Math.min(8192, body.length - at);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 251);
        }
        return bytes;
    }

    private static byte[] lines(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(String.format("line %08d of the body, with a café and some padding....%n", i));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Length and checksum: two bodies with the same summary are the same bytes, to any test's need. */
    static String summary(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return bytes.length + " bytes, crc " + Long.toHexString(crc.getValue());
    }

    // ---------------------------------------------------------------- the applications

    private static Map<String, HttpServlet> servlets() {
        Map<String, HttpServlet> servlets = new LinkedHashMap<>();
        servlets.put("/write-then-read", new Observing((request, response) -> {
            if (request.getQueryString() == null) {
                response.getOutputStream().write(bytes(3000));
                return "read " + summary(request.getInputStream().readAllBytes());
            }
            PrintWriter writer = response.getWriter();
            writer.print("x".repeat(600));
            writer.print("y".repeat(2400));
            return "read " + text(request.getReader()).length() + " characters";
        }));
        servlets.put("/echo", new Observing((request, response) -> {
            response.setContentType("text/plain; charset=UTF-8");
            PrintWriter writer = response.getWriter();
            BufferedReader reader = request.getReader();
            int lines = 0;
            for (String line; (line = reader.readLine()) != null; lines++) {
                writer.println(line);
            }
            return "echoed " + lines + " lines";
        }));
        servlets.put("/form", new Observing((request, response) -> {
            request.setCharacterEncoding("UTF-8");
            Map<String, String> seen = new TreeMap<>();
            request.getParameterMap().forEach((name, values) -> seen.put(name, values.length + " value(s) of "
                    + values[0].length() + " characters, " + Integer.toHexString(values[0].hashCode())));
            return "parameters " + seen;
        }));
        servlets.put("/parts", new Parts());
        servlets.put("/close-input", new Observing((request, response) -> {
            byte[] first;
            try (InputStream in = request.getInputStream()) {
                first = in.readNBytes(100);
            }
            return "read " + summary(first) + " and closed";
        }));
        servlets.put("/reader", new Observing((request, response) -> {
            String text = text(request.getReader());
            return "read " + text.length() + " characters, " + Integer.toHexString(text.hashCode());
        }));
        servlets.put("/exact", new Observing((request, response) -> {
            int length = Integer.parseInt(request.getParameter("length"));
            byte[] payload = request.getInputStream().readNBytes(length);
            // As Jackson does: the parser is done once the value ends, before the read that returns -1.
            return "read exactly " + summary(payload);
        }));
        servlets.put("/send", new Observing((request, response) -> {
            String call = request.getParameter("call");
            switch (call) {
                case "sendError(int)" -> response.sendError(401);
                case "sendError(int,String)" -> response.sendError(403, "not for you");
                case "sendRedirect(String)" -> response.sendRedirect("/elsewhere");
                // Servlet 6.1 methods, called as an application compiled against 6.1 calls them.
                case "sendRedirect(String,int)" -> servlet61(response, "sendRedirect", "/elsewhere", 307);
                case "sendRedirect(String,boolean)" -> servlet61(response, "sendRedirect", "/elsewhere", false);
                case "sendRedirect(String,int,boolean)" -> servlet61(response, "sendRedirect", "/elsewhere", 308, true);
                default -> throw new IllegalArgumentException(call);
            }
            return "called " + call;
        }));
        servlets.put("/forward-async", new ForwardThenAsync());
        servlets.put("/async-target", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                AsyncContext async = request.startAsync();
                async.dispatch(); // to the original URI: the request was started without arguments
            }
        });
        servlets.put("/async-timeout", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                String id = request.getHeader(CASE);
                AsyncContext async = request.startAsync();
                async.setTimeout(200);
                async.addListener(new AsyncListener() {
                    @Override
                    public void onTimeout(AsyncEvent event) throws IOException {
                        HttpServletResponse timedOut = (HttpServletResponse) event.getAsyncContext().getResponse();
                        timedOut.setStatus(504); // not one of the statuses after which Tomcat closes anyway
                        timedOut.setContentLength(7);
                        timedOut.getOutputStream().write("too late".getBytes(StandardCharsets.US_ASCII), 0, 7);
                        observed(id, "timed out and answered " + timedOut.getStatus());
                        event.getAsyncContext().complete();
                    }

                    @Override
                    public void onComplete(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                    }
                });
            }
        });
        servlets.put("/ping", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentLength(4);
                response.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
            }
        });
        return servlets;
    }

    private static void servlet61(HttpServletResponse response, String name, Object... args) throws IOException {
        Class<?>[] types = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = args[i] instanceof Integer ? int.class : args[i] instanceof Boolean ? boolean.class : String.class;
        }
        try {
            HttpServletResponse.class.getMethod(name, types).invoke(response, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void observed(String id, String what) {
        if (id != null) {
            OBSERVED.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(what);
        }
    }

    private static String text(BufferedReader reader) throws IOException {
        StringBuilder text = new StringBuilder();
        char[] buffer = new char[4096];
        for (int n; (n = reader.read(buffer)) >= 0; ) {
            text.append(buffer, 0, n);
        }
        return text.toString();
    }

    /** What an application does with a request, and what it observed; an exception is observed too. */
    @FunctionalInterface
    interface Application {
        String serve(HttpServletRequest request, HttpServletResponse response) throws IOException, ServletException;
    }

    /** Runs an application, records what it observed, and answers with it unless it answered itself. */
    static class Observing extends HttpServlet {
        private final Application application;

        Observing(Application application) {
            this.application = application;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String what;
            try {
                what = application.serve(request, response);
            } catch (IOException | ServletException | RuntimeException e) {
                what = "threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            observed(request.getHeader(CASE), what);
            if (!response.isCommitted() && response.getStatus() < 300) {
                answer(response, what);
            }
        }

        /** Appends what the application observed to its response, through whichever output it used. */
        private static void answer(HttpServletResponse response, String what) throws IOException {
            if (response.getContentType() == null) {
                response.setContentType("text/plain; charset=UTF-8");
            }
            try {
                response.getOutputStream().write(what.getBytes(StandardCharsets.UTF_8));
            } catch (IllegalStateException writerInUse) {
                response.getWriter().print(what);
            }
        }
    }

    /** Multipart needs its own class: the containers read the configuration from its annotation. */
    @MultipartConfig(fileSizeThreshold = 4 * 1024 * 1024)
    static final class Parts extends Observing {
        Parts() {
            super((request, response) -> {
                Map<String, String> seen = new TreeMap<>();
                for (Part part : request.getParts()) {
                    seen.put(part.getName(), part.getSize() + " bytes, file " + part.getSubmittedFileName());
                }
                return "parts " + seen;
            });
        }
    }

    /** Forwards; the target starts async and dispatches; the ASYNC dispatch comes back here and reads. */
    static final class ForwardThenAsync extends Observing {
        ForwardThenAsync() {
            super((request, response) -> "dispatched back as " + request.getDispatcherType() + " to "
                    + request.getRequestURI() + ", read " + summary(request.getInputStream().readAllBytes()));
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (request.getDispatcherType() != DispatcherType.REQUEST) {
                super.service(request, response);
                return;
            }
            try {
                request.getRequestDispatcher("/async-target").forward(request, response);
            } catch (ServletException e) {
                observed(request.getHeader(CASE), "threw " + e);
            }
        }
    }
}
