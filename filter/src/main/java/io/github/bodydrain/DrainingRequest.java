package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * Counts what the application reads, so the drain knows how much is left and whether the
 * application started to read, and routes async processing through the drain.
 */
final class DrainingRequest extends HttpServletRequestWrapper {

    private final RequestDrain drain;
    private final BodyDrainFilter filter;
    private CountingInputStream stream;
    private CountingReader reader;

    DrainingRequest(HttpServletRequest request, RequestDrain drain, BodyDrainFilter filter) {
        super(request);
        this.drain = drain;
        this.filter = filter;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (stream == null) {
            stream = new CountingInputStream(super.getInputStream(), getContentLengthLong(), filter.discardBytes);
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            reader = new CountingReader(super.getReader(), getContentLengthLong(), filter.discardChars);
        }
        return reader;
    }

    /** The stream or reader the application opened, or null if it opened neither. */
    BodyInput openedBodyInput() {
        return reader != null ? reader : stream;
    }

    /** The body through whichever of stream and reader the application used; never both. */
    BodyInput bodyInput() throws IOException {
        if (reader != null) {
            return reader;
        }
        getInputStream();
        return stream;
    }

    @Override
    public AsyncContext startAsync() {
        // Passing the wrappers on makes writes through AsyncContext.getResponse() visible too.
        return drain.asyncStarted(super.startAsync(this, drain.response()));
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return drain.asyncStarted(super.startAsync(request, response));
    }

    @Override
    public AsyncContext getAsyncContext() {
        return drain.wrapped(super.getAsyncContext());
    }

    private static final class CountingInputStream extends ServletInputStream implements BodyInput {
        private final ServletInputStream in;
        private final long contentLength;
        private final byte[] discard;
        private long consumed;
        private boolean started;
        private boolean nonBlocking;

        CountingInputStream(ServletInputStream in, long contentLength, byte[] discard) {
            this.in = in;
            this.contentLength = contentLength;
            this.discard = discard;
        }

        @Override
        public int read() throws IOException {
            started = true;
            int b = in.read();
            if (b >= 0) {
                consumed++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            started = true;
            return count(in.read(b, off, len));
        }

        @Override
        public int readLine(byte[] b, int off, int len) throws IOException {
            started = true;
            return count(in.readLine(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            started = true;
            long skipped = in.skip(n);
            consumed += skipped;
            return skipped;
        }

        private int count(int n) {
            if (n > 0) {
                consumed += n;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
            nonBlocking = true;
        }

        @Override
        public long remainingAtMost() {
            return contentLength < 0 ? -1 : Math.max(0, contentLength - consumed);
        }

        @Override
        public boolean started() {
            return started;
        }

        @Override
        public boolean isNonBlocking() {
            return nonBlocking;
        }

        @Override
        public boolean hasArrived() throws IOException {
            return nonBlocking ? in.isReady() : in.available() > 0;
        }

        @Override
        public int discard(int max) throws IOException {
            return in.read(discard, 0, max);
        }
    }

    /**
     * Must be a BufferedReader to be returned from getReader(); its own buffer stays unused, every
     * call goes to the container's reader.
     */
    private static final class CountingReader extends BufferedReader implements BodyInput {
        private final BufferedReader in;
        private final long contentLength;
        private final char[] discard;
        private long consumed;
        private boolean started;

        CountingReader(BufferedReader in, long contentLength, char[] discard) {
            super(in, 1);
            this.in = in;
            this.contentLength = contentLength;
            this.discard = discard;
        }

        @Override
        public int read() throws IOException {
            started = true;
            int c = in.read();
            if (c >= 0) {
                consumed++;
            }
            return c;
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            started = true;
            int n = in.read(cbuf, off, len);
            if (n > 0) {
                consumed += n;
            }
            return n;
        }

        @Override
        public String readLine() throws IOException {
            started = true;
            String line = in.readLine();
            if (line != null) {
                // The line ending is one or two characters; one keeps remainingAtMost() an upper bound.
                consumed += line.length() + 1;
            }
            return line;
        }

        @Override
        public long skip(long n) throws IOException {
            started = true;
            long skipped = in.skip(n);
            consumed += skipped;
            return skipped;
        }

        @Override
        public boolean ready() throws IOException {
            return in.ready();
        }

        @Override
        public boolean markSupported() {
            return in.markSupported();
        }

        @Override
        public void mark(int readAheadLimit) throws IOException {
            in.mark(readAheadLimit);
        }

        @Override
        public void reset() throws IOException {
            in.reset();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public long remainingAtMost() {
            // A character is at least one byte, so the remaining bytes are at most this.
            return contentLength < 0 ? -1 : Math.max(0, contentLength - consumed);
        }

        @Override
        public boolean started() {
            return started;
        }

        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isNonBlocking() {
            return false;
        }

        @Override
        public boolean hasArrived() throws IOException {
            return in.ready();
        }

        @Override
        public int discard(int max) throws IOException {
            return in.read(discard, 0, max);
        }
    }
}
