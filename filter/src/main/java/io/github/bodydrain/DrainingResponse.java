package io.github.bodydrain;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Calls {@link RequestDrain#beforeCommit()} before anything that may commit or close the response:
 * a write that may not fit in what the container buffers, a write that completes the declared
 * Content-Length, flush, close, sendError and sendRedirect.
 */
final class DrainingResponse extends HttpServletResponseWrapper {

    /**
     * Jetty writes anything larger than its aggregation size (a quarter of its buffer by default)
     * straight through, committing the response; below a quarter of the buffer every container
     * still holds the bytes.
     */
    private static final int BUFFER_SHARE = 4;

    /** A character encodes to at most 4 bytes (UTF-8 surrogate pairs take 2 bytes a character). */
    private static final int MAX_BYTES_PER_CHAR = 4;

    private final RequestDrain drain;
    private long bufferedAtMost;
    private long declaredLength = -1;
    private GuardedOutputStream out;
    private GuardedWriter writer;

    DrainingResponse(HttpServletResponse response, RequestDrain drain) {
        super(response);
        this.drain = drain;
    }

    /** Called before the application writes this many bytes (at most) to the response. */
    void beforeWrite(long bytes) {
        if (drain.isDone()) {
            return;
        }
        long threshold = getBufferSize() / BUFFER_SHARE;
        if (declaredLength >= 0 && declaredLength < threshold) {
            threshold = declaredLength;
        }
        bufferedAtMost += bytes;
        if (bufferedAtMost >= threshold) {
            drain.beforeCommit();
        }
    }

    void beforeCommit() {
        drain.beforeCommit();
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
            writer = new GuardedWriter(super.getWriter(), this);
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        drain.beforeCommit();
        super.flushBuffer();
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        drain.beforeCommit();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        drain.beforeCommit();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        drain.beforeCommit();
        super.sendRedirect(location);
    }

    @Override
    public void reset() {
        super.reset();
        bufferedAtMost = 0;
        declaredLength = -1;
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

        GuardedWriter(PrintWriter out, DrainingResponse response) {
            super(out);
            this.response = response;
        }

        @Override
        public void write(int c) {
            response.beforeWrite(MAX_BYTES_PER_CHAR);
            super.write(c);
        }

        @Override
        public void write(char[] buf, int off, int len) {
            response.beforeWrite((long) len * MAX_BYTES_PER_CHAR);
            super.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            response.beforeWrite((long) len * MAX_BYTES_PER_CHAR);
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
