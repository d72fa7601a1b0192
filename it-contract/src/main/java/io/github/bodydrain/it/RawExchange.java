package io.github.bodydrain.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 exchange on a raw socket: the request head in one write, then the body in further
 * writes, and the response read either after the whole body was sent or, the way nginx talks to
 * an upstream, while the body is being sent. It records how the connection ended: FIN (an
 * orderly close, read returns -1) or RST ({@code Connection reset}). The client's receive buffer
 * is small, as a busy proxy's effectively is, so that a reset finds response bytes still in
 * flight, as it does behind nginx.
 */
public final class RawExchange {

    /** How the client sends the body. */
    public enum Sending {
        /** All of it, and only then read the response. */
        WHOLE_BODY_THEN_READ,
        /**
         * From another thread while this one reads; stops once the response header has arrived,
         * as nginx does once it has passed the header on to its client.
         */
        UNTIL_RESPONSE_HEADER
    }

    /** How the connection ended after the response, as the client saw it. */
    public enum Ending {
        /** An orderly close: read returned -1. */
        FIN,
        /** A reset: read failed with ECONNRESET. */
        RESET,
        /** The connection stayed open past the read timeout. */
        OPEN
    }

    private static final int CHUNK = 64 * 1024;
    private static final int READ_TIMEOUT_MS = 15_000;
    private static final int RECEIVE_BUFFER = 16 * 1024;

    public final int status;
    public final Map<String, String> headers;
    public final byte[] body;
    public final Ending ending;
    public final long bodyBytesSent;
    public final IOException sendFailure;
    public final long millis;

    private RawExchange(int status, Map<String, String> headers, byte[] body, Ending ending, long bodyBytesSent,
            IOException sendFailure, long millis) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.ending = ending;
        this.bodyBytesSent = bodyBytesSent;
        this.sendFailure = sendFailure;
        this.millis = millis;
    }

    /**
     * POSTs {@code bodyLength} bytes with a Content-Length and {@code Connection: close} to
     * {@code path} on 127.0.0.1, and reads the response and the connection's end.
     */
    public static RawExchange post(int port, String path, int bodyLength, Sending sending) throws IOException,
            InterruptedException {
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodyLength + "\r\n"
                + "Connection: close\r\n\r\n";
        long started = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(RECEIVE_BUFFER);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            CountDownLatch headerSeen = new CountDownLatch(1);
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            Sender sender;
            Response response;
            if (sending == Sending.WHOLE_BODY_THEN_READ) {
                sender = new Sender(socket.getOutputStream(), headBytes, bodyLength, null);
                sender.run();
                response = readResponse(socket.getInputStream(), headerSeen);
            } else {
                sender = new Sender(socket.getOutputStream(), headBytes, bodyLength, headerSeen);
                Thread senderThread = new Thread(sender, "raw-exchange-sender");
                senderThread.setDaemon(true);
                senderThread.start();
                response = readResponse(socket.getInputStream(), headerSeen);
                senderThread.join(TimeUnit.SECONDS.toMillis(30));
            }
            return new RawExchange(response.status, response.headers, response.body, response.ending,
                    sender.bodyBytesSent, sender.failure, (System.nanoTime() - started) / 1_000_000);
        }
    }

    private static final class Sender implements Runnable {
        private final OutputStream out;
        private final byte[] head;
        private final int bodyLength;
        private final CountDownLatch stopAt;
        volatile long bodyBytesSent;
        volatile IOException failure;

        Sender(OutputStream out, byte[] head, int bodyLength, CountDownLatch stopAt) {
            this.out = out;
            this.head = head;
            this.bodyLength = bodyLength;
            this.stopAt = stopAt;
        }

        @Override
        public void run() {
            byte[] chunk = new byte[CHUNK];
            java.util.Arrays.fill(chunk, (byte) 'q');
            try {
                out.write(head);
                out.flush();
                while (bodyBytesSent < bodyLength && (stopAt == null || stopAt.getCount() > 0)) {
                    int n = (int) Math.min(CHUNK, bodyLength - bodyBytesSent);
                    out.write(chunk, 0, n);
                    bodyBytesSent += n;
                }
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    private record Response(int status, Map<String, String> headers, byte[] body, Ending ending) {
    }

    private static Response readResponse(InputStream in, CountDownLatch headerSeen) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int headerEnd = -1;
        Ending ending;
        try {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    ending = Ending.FIN;
                    break;
                }
                received.write(buffer, 0, n);
                if (headerEnd < 0) {
                    headerEnd = indexOf(received.toByteArray(), "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (headerEnd >= 0) {
                        headerSeen.countDown();
                    }
                }
            }
        } catch (SocketException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                throw e;
            }
            ending = Ending.RESET;
        } catch (SocketTimeoutException e) {
            ending = Ending.OPEN;
        } finally {
            headerSeen.countDown();
        }
        byte[] all = received.toByteArray();
        if (headerEnd < 0) {
            return new Response(-1, Map.of(), new byte[0], ending);
        }
        String[] lines = new String(all, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.merge(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        byte[] body = java.util.Arrays.copyOfRange(all, headerEnd + 4, all.length);
        return new Response(status, headers, body, ending);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The declared Content-Length of the response, or -1. */
    public long declaredLength() {
        String value = headers.get("Content-Length");
        return value == null ? -1 : Long.parseLong(value);
    }

    /**
     * All of the response body arrived: as many bytes as its Content-Length declared; for a
     * chunked body, up to and including the last chunk; for a body delimited by the close, up to
     * a FIN.
     */
    public boolean bodyComplete() {
        if (declaredLength() >= 0) {
            return body.length == declaredLength();
        }
        if (headers.getOrDefault("Transfer-Encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            String end = new String(body, Math.max(0, body.length - 5), Math.min(5, body.length),
                    StandardCharsets.ISO_8859_1);
            return end.equals("0\r\n\r\n");
        }
        return ending == Ending.FIN;
    }

    /** The response body arrived whole, with the bytes the test servlets write. */
    public boolean bodyArrivedWhole() {
        return declaredLength() >= 0 && TestServlets.isExpectedBody(body, (int) declaredLength());
    }

    /**
     * The exchange as a proxy would count it: a failure unless the request went out whole, the
     * response arrived whole and the connection ended with FIN. A truncated body counts even when
     * the end looked orderly, since a reset reported to the sending thread leaves the reading one
     * only an early -1; a failed send is what nginx logs as {@code writev() failed} and answers
     * with 502.
     */
    public boolean failed() {
        return sendFailure != null || !bodyArrivedWhole() || ending != Ending.FIN;
    }

    @Override
    public String toString() {
        return "status " + status + ", " + body.length + " of " + declaredLength() + " body bytes, ended by " + ending
                + ", sent " + bodyBytesSent + " request body bytes" + (sendFailure == null ? "" : " then " + sendFailure)
                + ", " + millis + " ms";
    }
}
