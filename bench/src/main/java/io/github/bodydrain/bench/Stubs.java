package io.github.bodydrain.bench;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Request and response stand-ins for the JMH fast paths: every method the filter calls on them
 * is a plain field read, so the benchmark measures the filter and not the stand-in. Anything
 * else fails loudly.
 */
final class Stubs {

    private Stubs() {
    }

    private static <T> T refusing(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(Stubs.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                }));
    }

    /** A request with a body of {@code contentLength} bytes that has already been read to its end. */
    static final class Request extends HttpServletRequestWrapper {
        private final long contentLength;
        private final Map<String, Object> attributes = new HashMap<>();
        private final ServletInputStream atEnd = new ServletInputStream() {
            @Override
            public int read() {
                return -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return -1;
            }

            @Override
            public boolean isFinished() {
                return true;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException();
            }
        };

        Request(long contentLength) {
            super(refusing(HttpServletRequest.class));
            this.contentLength = contentLength;
        }

        /** Forgets the request's attributes, as a new request would start. */
        void recycle() {
            attributes.clear();
        }

        @Override
        public long getContentLengthLong() {
            return contentLength;
        }

        @Override
        public int getContentLength() {
            return (int) contentLength;
        }

        @Override
        public String getHeader(String name) {
            return null;
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void removeAttribute(String name) {
            attributes.remove(name);
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public boolean isAsyncStarted() {
            return false;
        }

        /** As in a container where every filter and the servlet support async, the default of a Boot application. */
        @Override
        public boolean isAsyncSupported() {
            return true;
        }

        @Override
        public ServletInputStream getInputStream() {
            return atEnd;
        }
    }

    /** A response that is never committed. */
    static final class Response extends HttpServletResponseWrapper {
        Response() {
            super(refusing(HttpServletResponse.class));
        }

        @Override
        public boolean isCommitted() {
            return false;
        }

        @Override
        public int getBufferSize() {
            return 8192;
        }
    }
}
