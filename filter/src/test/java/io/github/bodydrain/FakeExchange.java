package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A container stand-in for the filter's pure logic: it records, in order, every body read and
 * every response event, and commits like a container does (on buffer overflow, flush, close).
 */
final class FakeExchange {

    final List<String> events = new CopyOnWriteArrayList<>();
    final Map<String, String> requestHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    final Map<String, String> responseHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** What the container's multipart parse throws, as for a part over its limit; null parses. */
    Exception partsFailure;
    final Map<String, Object> attributes = new HashMap<>();
    final List<AsyncListener> asyncListeners = new ArrayList<>();
    final List<byte[]> discardBuffersSeen = new ArrayList<>();

    byte[] body = new byte[0];
    long contentLength = -1;
    String protocol = "HTTP/1.1";
    DispatcherType dispatcherType = DispatcherType.REQUEST;
    int bufferSize = 8192;
    String responseEncoding = "ISO-8859-1";
    String requestEncoding = "UTF-8";
    /** Bytes of the body that have arrived; reading past them fails like a client that went away. */
    int arrived = Integer.MAX_VALUE;
    /** Nanoseconds each read takes, for a slow client. */
    long nanosPerRead;
    int bytesPerRead = Integer.MAX_VALUE;
    /** Whether the chain supports async: off, so that a drain left for the end runs on this thread. */
    boolean asyncSupported;
    String contextPath = "";
    String requestUri = "/upload";
    /** What the container's parameter and part methods return, so that a test sees them passed on. */
    final Map<String, Object> parsed = Map.of("getParameter", "v", "getParameterMap", Map.of("a", new String[] {"v"}),
            "getParameterNames", Collections.enumeration(List.of("a")), "getParameterValues", new String[] {"v"},
            "getParts", List.of(proxy(jakarta.servlet.http.Part.class, (method, args) -> null)),
            "getPart", proxy(jakarta.servlet.http.Part.class, (method, args) -> null));
    ReadListener readListener;
    boolean availableSeesOnlyItsBuffer;
    boolean outputReady = true;
    /** Like a container that learns of the end only from the read that returns -1. */
    boolean finishedOnlyAfterTheEndIsRead;
    boolean endRead;

    int position;
    boolean committed;
    long written;
    boolean asyncStarted;
    boolean asyncCompleted;
    /** Counted down when the request completes, for a test that waits for another thread to do it. */
    final java.util.concurrent.CountDownLatch completion = new java.util.concurrent.CountDownLatch(1);
    private AsyncContext asyncContext;
    private boolean streamUsed;
    private boolean readerUsed;
    private final ServletInputStream in = new FakeInputStream();
    private BufferedReader reader;
    private final ServletOutputStream out = new FakeOutputStream();
    private PrintWriter writer;
    private final HttpServletRequest request = proxy(HttpServletRequest.class, this::request);
    private final HttpServletResponse response = proxy(HttpServletResponse.class, this::response);

    static FakeExchange withBody(int length) {
        FakeExchange exchange = new FakeExchange();
        exchange.body = new byte[length];
        java.util.Arrays.fill(exchange.body, (byte) 'x');
        exchange.contentLength = length;
        return exchange;
    }

    static FakeExchange chunked(int length) {
        FakeExchange exchange = withBody(length);
        exchange.contentLength = -1;
        exchange.requestHeaders.put("Transfer-Encoding", "chunked");
        return exchange;
    }

    HttpServletRequest request() {
        return request;
    }

    HttpServletResponse response() {
        return response;
    }

    int bodyBytesRead() {
        return position;
    }

    int unread() {
        return body.length - position;
    }

    long readEvents() {
        return events.stream().filter(e -> e.startsWith("read")).count();
    }

    int indexOf(String prefix) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    int lastIndexOf(String prefix) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    /** The container starts async processing again: a new context, the listeners told and dropped. */
    void restartAsync() throws IOException {
        AsyncContext first = asyncContext;
        asyncContext = new FakeAsyncContext(first.getRequest(), first.getResponse());
        List<AsyncListener> told = List.copyOf(asyncListeners);
        asyncListeners.clear();
        for (AsyncListener listener : told) {
            listener.onStartAsync(new AsyncEvent(asyncContext));
        }
    }

    void fireAsync(String event) throws IOException {
        for (AsyncListener listener : List.copyOf(asyncListeners)) {
            // As Tomcat supplies them to a listener added without its own request and response.
            AsyncEvent asyncEvent = new AsyncEvent(asyncContext, asyncContext.getRequest(), asyncContext.getResponse());
            switch (event) {
                case "timeout" -> listener.onTimeout(asyncEvent);
                case "error" -> listener.onError(asyncEvent);
                case "complete" -> listener.onComplete(asyncEvent);
                case "startAsync" -> listener.onStartAsync(asyncEvent);
                default -> throw new IllegalArgumentException(event);
            }
        }
    }

    private Object request(Method method, Object[] args) throws Exception {
        switch (method.getName()) {
            case "getContentLengthLong": return contentLength;
            case "getContentLength": return (int) contentLength;
            case "getHeader": return requestHeaders.get((String) args[0]);
            case "getProtocol": return protocol;
            case "getMethod": return "POST";
            case "getRequestURI": return requestUri;
            case "getContextPath": return contextPath;
            case "getCharacterEncoding": return requestEncoding;
            case "getDispatcherType": return dispatcherType;
            case "getAttribute": return attributes.get((String) args[0]);
            case "getParameter", "getParameterMap", "getParameterNames", "getParameterValues", "getParts", "getPart":
                // The container parses the body itself, past the application's stream.
                events.add(method.getName());
                if (partsFailure != null && method.getName().startsWith("getPart")) {
                    throw partsFailure;
                }
                position = body.length;
                return parsed.get(method.getName());
            case "setAttribute": attributes.put((String) args[0], args[1]); return null;
            case "removeAttribute": attributes.remove((String) args[0]); return null;
            case "isAsyncStarted": return asyncStarted && !asyncCompleted;
            case "isAsyncSupported": return asyncSupported;
            case "getInputStream":
                events.add("getInputStream");
                if (readerUsed) {
                    throw new IllegalStateException("getReader() was called");
                }
                streamUsed = true;
                return in;
            case "getReader":
                if (streamUsed) {
                    throw new IllegalStateException("getInputStream() was called");
                }
                readerUsed = true;
                if (reader == null) {
                    reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64);
                }
                return reader;
            case "startAsync":
                asyncStarted = true;
                events.add("startAsync");
                ServletRequest asyncRequest = args == null ? request : (ServletRequest) args[0];
                ServletResponse asyncResponse = args == null ? response : (ServletResponse) args[1];
                asyncContext = new FakeAsyncContext(asyncRequest, asyncResponse);
                return asyncContext;
            case "getAsyncContext": return asyncContext;
            default:
                throw new UnsupportedOperationException("request." + method.getName());
        }
    }

    private Object response(Method method, Object[] args) throws Exception {
        switch (method.getName()) {
            case "isCommitted": return committed;
            case "getBufferSize": return bufferSize;
            case "setBufferSize": bufferSize = (Integer) args[0]; return null;
            case "setHeader", "addHeader":
                requireNotCommitted(method);
                responseHeaders.put((String) args[0], (String) args[1]);
                return null;
            case "setIntHeader", "addIntHeader":
                responseHeaders.put((String) args[0], args[1].toString());
                return null;
            case "getHeader": return responseHeaders.get((String) args[0]);
            case "setStatus": events.add("status " + args[0]); return null;
            case "setContentType", "setCharacterEncoding": return null;
            case "getCharacterEncoding": return responseEncoding;
            case "setContentLength", "setContentLengthLong":
                responseHeaders.put("Content-Length", args[0].toString());
                return null;
            case "getOutputStream": return out;
            case "getWriter":
                if (writer == null) {
                    writer = new PrintWriter(new OutputStreamWriter(out, java.nio.charset.Charset.isSupported(
                            responseEncoding) ? responseEncoding : "UTF-8"));
                }
                return writer;
            case "flushBuffer": commit("flushBuffer"); return null;
            case "sendError": commit("sendError " + args[0]); return null;
            case "sendRedirect": commit("sendRedirect"); return null;
            case "reset": events.add("reset"); written = 0; responseHeaders.clear(); return null;
            case "resetBuffer": events.add("resetBuffer"); written = 0; return null;
            default:
                throw new UnsupportedOperationException("response." + method.getName());
        }
    }

    private long declaredLength() {
        try {
            String declared = responseHeaders.get("Content-Length");
            return declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void requireNotCommitted(Method method) {
        if (committed) {
            events.add("ignored " + method.getName() + " after commit");
        }
    }

    private void commit(String why) {
        events.add(why);
        if (!committed) {
            committed = true;
            events.add("commit");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Handler handler) {
        InvocationHandler invocationHandler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> type.getSimpleName();
                };
            }
            return handler.invoke(method, args);
        };
        return (T) Proxy.newProxyInstance(FakeExchange.class.getClassLoader(), new Class<?>[] {type},
                invocationHandler);
    }

    private interface Handler {
        Object invoke(Method method, Object[] args) throws Exception;
    }

    private final class FakeInputStream extends ServletInputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0];
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (b.length >= 8192) {
                discardBuffersSeen.add(b);
            }
            if (position >= body.length) {
                events.add("read -1");
                endRead = true;
                return -1;
            }
            if (position >= arrived) {
                events.add("read failed");
                throw new IOException("client went away");
            }
            if (nanosPerRead > 0) {
                // Stands for a slow client, not for synchronisation.
                java.util.concurrent.locks.LockSupport.parkNanos(nanosPerRead);
            }
            int n = Math.min(Math.min(len, bytesPerRead), Math.min(body.length, arrived) - position);
            System.arraycopy(body, position, b, off, n);
            position += n;
            events.add("read " + n);
            return n;
        }

        @Override
        public int available() {
            return availableSeesOnlyItsBuffer ? 0 : Math.max(0, Math.min(body.length, arrived) - position);
        }

        @Override
        public boolean isFinished() {
            return finishedOnlyAfterTheEndIsRead ? endRead : position >= body.length;
        }

        @Override
        public boolean isReady() {
            return position < Math.min(body.length, arrived);
        }

        @Override
        public void setReadListener(ReadListener listener) {
            events.add("setReadListener");
            readListener = listener;
        }

        @Override
        public void close() {
            events.add("input closed");
        }
    }

    private final class FakeOutputStream extends ServletOutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            events.add("write " + len);
            written += len;
            long declared = declaredLength();
            if (written > bufferSize || (declared >= 0 && written >= declared)) {
                commit("overflow");
            }
        }

        @Override
        public void flush() {
            commit("flush");
        }

        @Override
        public void close() {
            commit("close");
        }

        @Override
        public boolean isReady() {
            return outputReady;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            events.add("setWriteListener");
        }
    }

    private final class FakeAsyncContext implements AsyncContext {
        private final ServletRequest asyncRequest;
        private final ServletResponse asyncResponse;

        FakeAsyncContext(ServletRequest asyncRequest, ServletResponse asyncResponse) {
            this.asyncRequest = asyncRequest;
            this.asyncResponse = asyncResponse;
        }

        @Override
        public ServletRequest getRequest() {
            return asyncRequest;
        }

        @Override
        public ServletResponse getResponse() {
            return asyncResponse;
        }

        @Override
        public boolean hasOriginalRequestAndResponse() {
            return asyncRequest == request && asyncResponse == response;
        }

        @Override
        public void dispatch() {
            events.add("dispatch");
        }

        @Override
        public void dispatch(String path) {
            events.add("dispatch " + path);
        }

        @Override
        public void dispatch(jakarta.servlet.ServletContext context, String path) {
            events.add("dispatch " + path);
        }

        @Override
        public void complete() {
            asyncCompleted = true;
            completion.countDown();
            commit("complete");
        }

        @Override
        public void start(Runnable run) {
            run.run();
        }

        @Override
        public void addListener(AsyncListener listener) {
            asyncListeners.add(listener);
        }

        @Override
        public void addListener(AsyncListener listener, ServletRequest req, ServletResponse res) {
            asyncListeners.add(listener);
        }

        @Override
        public <T extends AsyncListener> T createListener(Class<T> clazz) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setTimeout(long timeout) {
        }

        @Override
        public long getTimeout() {
            return 30_000;
        }
    }

    /** One async event, for tests that need a listener with a single behaviour. */
    @FunctionalInterface
    interface Listener {
        void on(AsyncEvent event) throws IOException;

        default AsyncListener asListener() {
            return new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                }

                @Override
                public void onTimeout(AsyncEvent event) throws IOException {
                    on(event);
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            };
        }
    }

    static Map<String, String> params(String... keyValues) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
