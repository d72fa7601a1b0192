package io.github.bodydrain.probe;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One POST the way HTTP clients send one: the head, then the body from a second thread while the
 * response is read, stopping the body once a final response has arrived (curl, Go and the JDK do;
 * so does nginx towards its upstream). With {@code Expect: 100-continue} the body waits for
 * {@code 100 Continue}, or a second, as curl waits. What the probe looks for: a response that did
 * not arrive whole, a 502, 503 or 504 from a proxy, or a reset, and where it struck.
 */
final class Exchange {

    /** What became of one exchange. */
    enum Result {
        /** The whole response arrived (and, on a reused connection, the next one too). */
        INTACT,
        /** The response's body ended before its declared length. */
        CUT_SHORT,
        /** A proxy's 502, 503 or 504. */
        GATEWAY_ERROR,
        /** The connection was reset. */
        RESET,
        /** Nothing arrived in time. */
        TIMED_OUT
    }

    private static final int CHUNK = 16 * 1024;
    private static final int CONTINUE_WAIT_MS = 1_000;
    private static final byte[] ZEROS = new byte[CHUNK];

    final Result result;
    final int status;
    /** Where a reset or a short body struck: "status line", "headers", "body", "next request". */
    final String where;
    final long bodyBytesSent;

    private Exchange(Result result, int status, String where, long bodyBytesSent) {
        this.result = result;
        this.status = status;
        this.where = where;
        this.bodyBytesSent = bodyBytesSent;
    }

    /**
     * Sends one POST of {@code bodyLength} bytes on {@code socket}; with {@code thenReuse}, a
     * second, bodiless request on the same connection when the first leaves it open.
     */
    static Exchange run(Socket socket, String host, String path, long bodyLength, boolean expectContinue,
            boolean thenReuse, int readTimeoutMs) throws IOException, InterruptedException {
        socket.setSoTimeout(readTimeoutMs);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: body-drain-probe\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + bodyLength + "\r\n"
                + (expectContinue ? "Expect: 100-continue\r\n" : "")
                + (thenReuse ? "" : "Connection: close\r\n") + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();

        Body body = new Body(out, bodyLength);
        Thread sender = null;
        Response response;
        try {
            if (expectContinue) {
                socket.setSoTimeout(CONTINUE_WAIT_MS);
                try {
                    response = Response.read(in);
                } catch (SocketTimeoutException noContinue) {
                    response = null; // curl sends the body anyway after a second
                } finally {
                    socket.setSoTimeout(readTimeoutMs);
                }
                if (response != null && response.status != 100) {
                    return finish(response, in, out, host, path, thenReuse, body, "body", readTimeoutMs);
                }
            }
            sender = new Thread(body, "body-drain-probe-body");
            sender.setDaemon(true);
            sender.start();
            do {
                response = Response.read(in);
            } while (response.status == 100);
            body.stop();
            return finish(response, in, out, host, path, thenReuse, body, "body", readTimeoutMs);
        } catch (SocketTimeoutException e) {
            return new Exchange(Result.TIMED_OUT, 0, "waiting for the response", body.sent.get());
        } catch (Failure failure) {
            return new Exchange(failure.result, failure.status, failure.where, body.sent.get());
        } finally {
            body.stop();
            if (sender != null) {
                sender.join(readTimeoutMs);
            }
        }
    }

    private static Exchange finish(Response response, InputStream in, OutputStream out, String host, String path,
            boolean thenReuse, Body body, String where, int readTimeoutMs) throws IOException, Failure {
        response.readBody(in);
        if (response.status == 502 || response.status == 503 || response.status == 504) {
            return new Exchange(Result.GATEWAY_ERROR, response.status, "status line", body.sent.get());
        }
        if (thenReuse && !response.closes && body.finished()) {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: body-drain-probe\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                Response next = Response.read(in);
                next.readBody(in);
                if (next.status == 502 || next.status == 503 || next.status == 504) {
                    return new Exchange(Result.GATEWAY_ERROR, next.status, "next request", body.sent.get());
                }
            } catch (Failure failure) {
                return new Exchange(failure.result, failure.status, "next request", body.sent.get());
            }
        }
        return new Exchange(Result.INTACT, response.status, null, body.sent.get());
    }

    /** The body's sender: zeros, in chunks, until done or told to stop. */
    private static final class Body implements Runnable {
        private final OutputStream out;
        private final long length;
        private final AtomicLong sent = new AtomicLong();
        private volatile boolean stopped;

        Body(OutputStream out, long length) {
            this.out = out;
            this.length = length;
        }

        @Override
        public void run() {
            try {
                while (!stopped && sent.get() < length) {
                    int n = (int) Math.min(CHUNK, length - sent.get());
                    out.write(ZEROS, 0, n);
                    sent.addAndGet(n);
                }
                out.flush();
            } catch (IOException e) {
                stopped = true; // the server closed or reset: the reader reports what it saw
            }
        }

        void stop() {
            stopped = true;
        }

        boolean finished() {
            return sent.get() == length;
        }
    }

    /** A failure to read a whole response, with where it struck. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final Result result;
        final int status;
        final String where;

        Failure(Result result, int status, String where) {
            super(where, null, false, false);
            this.result = result;
            this.status = status;
            this.where = where;
        }
    }

    /** A response head, and its body read to its end by its framing. */
    private static final class Response {
        final int status;
        final long contentLength;
        final boolean chunked;
        final boolean closes;

        private Response(int status, long contentLength, boolean chunked, boolean closes) {
            this.status = status;
            this.contentLength = contentLength;
            this.chunked = chunked;
            this.closes = closes;
        }

        static Response read(InputStream in) throws IOException, Failure {
            String statusLine = line(in, "status line", 0);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.1 response: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            long contentLength = -1;
            boolean chunked = false;
            boolean closes = parts[0].equals("HTTP/1.0");
            for (String header = line(in, "headers", status); !header.isEmpty(); header = line(in, "headers", status)) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> contentLength = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> closes = value.contains("close");
                    default -> { }
                }
            }
            return new Response(status, contentLength, chunked, closes);
        }

        void readBody(InputStream in) throws IOException, Failure {
            if (status == 100 || status == 204 || status == 304) {
                return;
            }
            if (chunked) {
                for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
                    skip(in, size);
                    line(in, "body", status);
                }
                while (!line(in, "body", status).isEmpty()) {
                    // trailers
                }
            } else if (contentLength >= 0) {
                skip(in, contentLength);
            } else {
                skip(in, Long.MAX_VALUE); // to the close, which is then the body's end
            }
        }

        private long chunkSize(InputStream in) throws IOException, Failure {
            String line = line(in, "body", status);
            int semicolon = line.indexOf(';');
            return Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
        }

        private void skip(InputStream in, long length) throws IOException, Failure {
            byte[] buffer = new byte[CHUNK];
            long left = length;
            while (left > 0) {
                int n = read(in, buffer, (int) Math.min(buffer.length, left), "body");
                if (n < 0) {
                    if (length == Long.MAX_VALUE) {
                        return;
                    }
                    throw new Failure(Result.CUT_SHORT, status, "body");
                }
                left -= n;
            }
        }

        private int read(InputStream in, byte[] buffer, int length, String where) throws IOException, Failure {
            try {
                return in.read(buffer, 0, length);
            } catch (SocketException | SSLException e) {
                if (isReset(e)) {
                    throw new Failure(Result.RESET, status, where);
                }
                throw e;
            }
        }

        private static String line(InputStream in, String where, int status) throws IOException, Failure {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (SocketException | SSLException e) {
                    if (isReset(e)) {
                        throw new Failure(Result.RESET, status, where);
                    }
                    throw e;
                }
                if (b < 0) {
                    throw new Failure(Result.CUT_SHORT, status, where);
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(b);
            }
        }
    }

    static boolean isReset(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return message.contains("reset") || message.contains("broken pipe") || e instanceof EOFException;
    }
}
