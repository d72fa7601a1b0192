package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Collection;
import java.util.Enumeration;
import java.util.Map;

/**
 * Hands the application the counted body, and routes async processing through the drain. The
 * reader is built on the counted stream, as Spring's {@code ContentCachingRequestWrapper} builds
 * it, so the drain counts bytes whichever the application used.
 */
final class DrainingRequest extends HttpServletRequestWrapper {

    private final DrainingInputStream body;
    private final DrainingResponse response;
    private final RequestDrain drain;
    private boolean streamGiven;
    private BufferedReader reader;
    private DrainingAsyncContext asyncContext;

    DrainingRequest(HttpServletRequest request, DrainingResponse response, RequestDrain drain) {
        super(request);
        this.body = new DrainingInputStream(request, drain);
        this.response = response;
        this.drain = drain;
    }

    DrainingInputStream body() {
        return body;
    }

    DrainingResponse response() {
        return response;
    }

    RequestDrain drain() {
        return drain;
    }

    @Override
    public DrainingInputStream getInputStream() throws IOException {
        if (reader != null) {
            throw new IllegalStateException("getReader() has already been called for this request");
        }
        streamGiven = true;
        return body.open();
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            if (streamGiven) {
                throw new IllegalStateException("getInputStream() has already been called for this request");
            }
            Charset charset = charset(getCharacterEncoding());
            reader = new DrainingReader(new InputStreamReader(body.open(), charset), drain);
        }
        return reader;
    }

    // The container parses a form or multipart body itself, past the counted stream.

    @Override
    public String getParameter(String name) {
        body.readByTheContainer();
        return super.getParameter(name);
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        body.readByTheContainer();
        return super.getParameterMap();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        body.readByTheContainer();
        return super.getParameterNames();
    }

    @Override
    public String[] getParameterValues(String name) {
        body.readByTheContainer();
        return super.getParameterValues(name);
    }

    @Override
    public Collection<Part> getParts() throws IOException, ServletException {
        body.readByTheContainer();
        try {
            return super.getParts();
        } catch (IOException | ServletException | RuntimeException failed) {
            response.partsFailed();
            throw failed;
        }
    }

    @Override
    public Part getPart(String name) throws IOException, ServletException {
        body.readByTheContainer();
        try {
            return super.getPart(name);
        } catch (IOException | ServletException | RuntimeException failed) {
            response.partsFailed();
            throw failed;
        }
    }

    /** ISO-8859-1 where the request names none, as the Servlet specification says. */
    private static Charset charset(String name) throws UnsupportedEncodingException {
        if (name == null) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new UnsupportedEncodingException(name);
        }
    }

    /**
     * Started on the container's own objects, so that {@code hasOriginalRequestAndResponse()} and
     * {@code dispatch()} mean what the specification says; the application still gets the
     * wrappers from {@link AsyncContext#getRequest()} and {@link AsyncContext#getResponse()}.
     */
    @Override
    public AsyncContext startAsync() {
        return started(super.startAsync());
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return started(super.startAsync(request, response));
    }

    private AsyncContext started(AsyncContext context) {
        boolean first = asyncContext == null;
        DrainingAsyncContext wrapped = wrap(context);
        if (first) {
            // A restart re-registers the listener itself, in onStartAsync.
            wrapped.listenForTheEnd();
        }
        return wrapped;
    }

    @Override
    public AsyncContext getAsyncContext() {
        AsyncContext context = super.getAsyncContext();
        return context == null ? null : wrap(context);
    }

    /** The same wrapper for as long as the container keeps the same context. */
    private DrainingAsyncContext wrap(AsyncContext context) {
        if (asyncContext == null || !asyncContext.wraps(context)) {
            asyncContext = new DrainingAsyncContext(context, this, containersRequest(), response, drain);
        }
        return asyncContext;
    }

    /** Whether this is the request the container gave, seen through the wrappers above this filter. */
    boolean wrapsTheContainersRequest(ServletRequest candidate) {
        return candidate == containersRequest();
    }

    /** The container's own request, under the wrappers of this filter and those above it. */
    private ServletRequest containersRequest() {
        ServletRequest r = getRequest();
        while (r instanceof ServletRequestWrapper wrapper) {
            r = wrapper.getRequest();
        }
        return r;
    }

    /**
     * Tells the drain of every read of the application, not only of those that reach the stream:
     * an echo reads a line from the buffer and writes it, and its next stream read may come only
     * after the writes filled the response buffer.
     */
    private static final class DrainingReader extends BufferedReader {
        private final RequestDrain drain;

        DrainingReader(InputStreamReader in, RequestDrain drain) {
            super(in);
            this.drain = drain;
        }

        @Override
        public int read() throws IOException {
            drain.reading();
            return super.read();
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            drain.reading();
            return super.read(cbuf, off, len);
        }

        @Override
        public String readLine() throws IOException {
            drain.reading();
            return super.readLine();
        }

        @Override
        public long skip(long n) throws IOException {
            drain.reading();
            return super.skip(n);
        }
    }
}
