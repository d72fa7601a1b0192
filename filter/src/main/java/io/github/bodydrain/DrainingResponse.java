package io.github.bodydrain;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * Calls {@link RequestDrain#beforeCommit()} before anything that may commit or close the response:
 * a write that may not fit in what the container buffers, a write that completes the declared
 * Content-Length, flush, close, every {@code sendError} and every {@code sendRedirect}.
 */
final class DrainingResponse extends HttpServletResponseWrapper implements Exchange {

    /** A charset this filter cannot name may take up to this many bytes a character. */
    private static final int MAX_BYTES_PER_CHAR = 4;

    private final HttpServletRequest request;
    private final RequestDrain drain;
    private final Container container;
    private long bufferedAtMost;
    private long declaredLength = -1;
    private boolean containerCloses;
    private boolean errorSent;
    private GuardedOutputStream out;
    private GuardedWriter writer;

    DrainingResponse(HttpServletResponse response, HttpServletRequest request, RequestDrain drain, Container container) {
        super(response);
        this.request = request;
        this.drain = drain;
        this.container = container;
    }

    /** The container under every wrapper. */
    static Container containerOf(ServletResponse response) {
        return Container.of(containersOwn(response).getClass().getName());
    }

    /** The container's own response, under the wrappers of this filter and those above it. */
    ServletResponse containersResponse() {
        return containersOwn(getResponse());
    }

    private static ServletResponse containersOwn(ServletResponse response) {
        ServletResponse r = response;
        while (r instanceof ServletResponseWrapper wrapper) {
            r = wrapper.getResponse();
        }
        return r;
    }

    /** The application called {@code sendError}: an ERROR dispatch may follow. */
    boolean errorSent() {
        return errorSent;
    }

    /** Called before the application writes this many bytes (at most) to the response. */
    void beforeWrite(long bytes) {
        drain.writing();
        if (drain.isDone()) {
            return;
        }
        long threshold = getBufferSize() / container.bufferShare();
        if (declaredLength >= 0) {
            threshold = Math.min(threshold, declaredLength);
        }
        bufferedAtMost += bytes;
        if (bufferedAtMost >= threshold) {
            drain.beforeCommit();
        }
    }

    void beforeCommit() {
        drain.beforeCommit();
    }

    /**
     * The container's multipart parse failed. Where the container then closes the connection
     * whatever the response says, the response says so: a client or proxy that reused the
     * connection would send its next request into the close (nginx answers it 502).
     */
    void partsFailed() {
        if (container.closesAfterFailedParts()) {
            containerCloses = true;
            closeConnection();
        }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new GuardedOutputStream(super.getOutputStream(), this);
        }
        return out;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter containerWriter = super.getWriter();
            writer = new GuardedWriter(containerWriter, this, bytesPerChar(getCharacterEncoding()));
        }
        return writer;
    }

    private static int bytesPerChar(String encoding) {
        try {
            return (int) Math.ceil(Charset.forName(encoding).newEncoder().maxBytesPerChar());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return MAX_BYTES_PER_CHAR;
        }
    }

    @Override
    public void flushBuffer() throws IOException {
        drain.beforeCommit();
        super.flushBuffer();
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        errorSent = true; // the container dispatches to its error page
        drain.beforeCommit();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        errorSent = true; // the container dispatches to its error page
        drain.beforeCommit();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        drain.beforeCommit();
        super.sendRedirect(location);
    }

    @Override
    public void sendRedirect(String location, int sc) throws IOException {
        drain.beforeCommit();
        super.sendRedirect(location, sc);
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        drain.beforeCommit();
        super.sendRedirect(location, clearBuffer);
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
        drain.beforeCommit();
        super.sendRedirect(location, sc, clearBuffer);
    }

    @Override
    public void reset() {
        super.reset();
        bufferedAtMost = 0;
        declaredLength = -1;
        if (containerCloses) {
            closeConnection();
        }
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        bufferedAtMost = 0;
    }

    @Override
    public void setContentLength(int len) {
        super.setContentLength(len);
        declaredLength = len;
    }

    @Override
    public void setContentLengthLong(long len) {
        super.setContentLengthLong(len);
        declaredLength = len;
    }

    @Override
    public void setHeader(String name, String value) {
        super.setHeader(name, value);
        noteContentLength(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        super.addHeader(name, value);
        noteContentLength(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        super.setIntHeader(name, value);
        noteContentLength(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        super.addIntHeader(name, value);
        noteContentLength(name, Integer.toString(value));
    }

    private void noteContentLength(String name, String value) {
        if ("Content-Length".equalsIgnoreCase(name)) {
            try {
                declaredLength = value == null ? -1 : Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                declaredLength = -1;
            }
        }
    }

    // Exchange: the container's request and response, as the drain sees them.

    @Override
    public boolean committed() {
        return isCommitted();
    }

    @Override
    public boolean awaitsContinue() {
        return !container.continuesBeforeTheApplication() && !isCommitted()
                && "100-continue".equalsIgnoreCase(request.getHeader("Expect"));
    }

    @Override
    public boolean asyncSupported() {
        return request.isAsyncSupported();
    }

    @Override
    public boolean fullDuplex() {
        return request.getAttribute(RequestDrain.FULL_DUPLEX_ATTRIBUTE) != null;
    }

    @Override
    public void closeConnection() {
        try {
            if (!isCommitted()) {
                super.setHeader("Connection", "close");
            }
        } catch (RuntimeException e) {
            // A response already closed by the container: nothing left to signal.
        }
    }

    @Override
    public String describe() {
        return request.getMethod() + " " + request.getRequestURI();
    }

    private static final class GuardedOutputStream extends ServletOutputStream {
        private final ServletOutputStream out;
        private final DrainingResponse response;

        GuardedOutputStream(ServletOutputStream out, DrainingResponse response) {
            this.out = out;
            this.response = response;
        }

        @Override
        public void write(int b) throws IOException {
            response.beforeWrite(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            response.beforeWrite(len);
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            response.beforeCommit();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            response.beforeCommit();
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }

    /**
     * A PrintWriter over the container's PrintWriter. PrintWriter funnels print, append and format
     * through these write methods; println() is overridden because it writes the line separator
     * to the underlying writer directly.
     */
    private static final class GuardedWriter extends PrintWriter {
        private final DrainingResponse response;
        private final int bytesPerChar;

        GuardedWriter(PrintWriter out, DrainingResponse response, int bytesPerChar) {
            super(out);
            this.response = response;
            this.bytesPerChar = bytesPerChar;
        }

        @Override
        public void write(int c) {
            response.beforeWrite(bytesPerChar);
            super.write(c);
        }

        @Override
        public void write(char[] buf, int off, int len) {
            response.beforeWrite((long) len * bytesPerChar);
            super.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            response.beforeWrite((long) len * bytesPerChar);
            super.write(s, off, len);
        }

        @Override
        public void println() {
            write(System.lineSeparator());
        }

        @Override
        public void flush() {
            response.beforeCommit();
            super.flush();
        }

        @Override
        public void close() {
            response.beforeCommit();
            super.close();
        }
    }
}
