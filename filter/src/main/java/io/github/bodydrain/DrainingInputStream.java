package io.github.bodydrain;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;

/**
 * The one place the body is read, by the application and by the drain alike, and counted. The
 * container's stream is opened on first use: opening it makes Jetty send {@code 100 Continue}.
 * {@code isFinished}, {@code isReady} and {@code setReadListener} pass through.
 */
final class DrainingInputStream extends ServletInputStream implements BodyInput {

    private final HttpServletRequest request;
    private final RequestDrain drain;
    private final long declaredLength;
    private ServletInputStream in;
    private long consumed;
    private long discarded;
    private boolean started;
    private volatile boolean nonBlocking;
    private boolean closed;
    private boolean readByTheContainer;

    DrainingInputStream(HttpServletRequest request, RequestDrain drain) {
        this.request = request;
        this.drain = drain;
        this.declaredLength = request.getContentLengthLong();
    }

    private ServletInputStream in() throws IOException {
        if (in == null) {
            in = request.getInputStream();
        }
        return in;
    }

    /**
     * The stream for the drain's own reads. Jetty refuses the first opening of a body it never
     * invited once the response has committed ({@code Committed before 100 Continue}, since its
     * {@code 100 Continue} can no longer go out) and opens it on the next: the drain then reads
     * what the client sends anyway. The application's own opening is left to fail as it would.
     */
    private ServletInputStream drainsIn() throws IOException {
        if (in == null) {
            try {
                in = request.getInputStream();
            } catch (IOException notInvited) {
                in = request.getInputStream();
            }
        }
        return in;
    }

    /** Opens the container's stream, so that its own state checks run when the application asks. */
    DrainingInputStream open() throws IOException {
        in();
        return this;
    }

    private ServletInputStream beforeRead() throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        drain.reading();
        started = true;
        return in();
    }

    private int count(int n) {
        consumed += Math.max(n, 0);
        return n;
    }

    @Override
    public int read() throws IOException {
        int b = beforeRead().read();
        if (b >= 0) {
            consumed++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return count(beforeRead().read(b, off, len));
    }

    @Override
    public int readLine(byte[] b, int off, int len) throws IOException {
        return count(beforeRead().readLine(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = beforeRead().skip(n);
        consumed += skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return closed ? 0 : in().available();
    }

    /**
     * The application is done with the body: drain what it left now, while the container can still
     * read it (Tomcat refuses every read of a closed stream), then close.
     */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            drain.atEnd();
            in().close();
        }
    }

    // The application holds this stream only from getInputStream() or getReader(), which opened it.
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

    /** The drain reads the rest without blocking: the container calls the listener as the body arrives. */
    void readWithoutBlocking(ReadListener listener) throws IOException {
        nonBlocking = true;
        drainsIn().setReadListener(listener);
    }

    @Override
    public long declaredRemaining() {
        // Asked before the drain reads; negative when no length was declared, or when it no longer
        // says what is left.
        return readByTheContainer ? -1 : declaredLength - consumed;
    }

    /**
     * The application asked the container for parameters or parts, so the container may have read
     * the body itself, past this stream: Jetty then says the stream is not finished, and only a
     * read, which returns -1 at once, tells.
     */
    void readByTheContainer() {
        readByTheContainer = true;
    }

    @Override
    public boolean started() {
        return started;
    }

    @Override
    public boolean finished() throws IOException {
        return drainsIn().isFinished();
    }

    @Override
    public boolean nonBlocking() {
        return nonBlocking;
    }

    @Override
    public boolean arrived() throws IOException {
        return nonBlocking ? drainsIn().isReady() : drainsIn().available() > 0;
    }

    @Override
    public int discard(byte[] buffer, int max) throws IOException {
        int n = drainsIn().read(buffer, 0, max);
        discarded += Math.max(n, 0);
        return n;
    }

    @Override
    public long discarded() {
        return discarded;
    }
}
