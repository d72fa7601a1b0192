package io.github.bodydrain.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One persistent HTTP/1.1 connection on a raw socket, for requests one after another; each
 * response is read to its exact end (Content-Length or chunked), never past it.
 */
public final class KeepAliveConnection implements AutoCloseable {

    /** A response: status, headers, body. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public boolean closesConnection() {
            return headers.getOrDefault("Connection", "").toLowerCase(Locale.ROOT).contains("close");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public KeepAliveConnection(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(15_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends these bytes as they are: a request head, part of a body, anything. */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends this text, ISO-8859-1 encoded, as it is. */
    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Half-closes the connection: the server reads end of stream, the response can still come. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes with RST instead of FIN, as a client that crashed or gave up does. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads one response, skipping interim 1xx responses; see {@link #interimOrFinal()}. */
    public Response response() throws IOException {
        Response response;
        do {
            response = read();
        } while (response.status() / 100 == 1);
        return response;
    }

    /** Reads the next response, interim (100 Continue) or final, waiting at most {@code millis}. */
    public Response interimOrFinal(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return read();
        } finally {
            socket.setSoTimeout(15_000);
        }
    }

    /** POSTs {@code bodyBytes} bytes with a Content-Length and reads the response. */
    public Response post(String path, int bodyBytes) throws IOException {
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) 'k');
        return post(path, "application/octet-stream", body);
    }

    /** POSTs this body of this type with a Content-Length and reads the response. */
    public Response post(String path, String contentType, byte[] body) throws IOException {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType + "\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return read();
    }

    /** A multipart/form-data body of one file part of {@code fileBytes} bytes, and its content type. */
    public static Map.Entry<String, byte[]> multipart(int fileBytes) {
        String boundary = "body-drain-test-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + fileBytes + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        Arrays.fill(body, head.length, head.length + fileBytes, (byte) 'k');
        System.arraycopy(tail, 0, body, head.length + fileBytes, tail.length);
        return Map.entry("multipart/form-data; boundary=" + boundary, body);
    }

    /**
     * How the connection stands after the last response: closed by the server with FIN or RST,
     * or still open after waiting {@code millis} for a sign. Nothing more may have been sent.
     */
    public RawExchange.Ending ending(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int next = in.read();
            if (next >= 0) {
                throw new IOException("unexpected byte after the response: " + next);
            }
            return RawExchange.Ending.FIN;
        } catch (SocketTimeoutException stillOpen) {
            return RawExchange.Ending.OPEN;
        } catch (java.net.SocketException e) {
            if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                return RawExchange.Ending.RESET;
            }
            throw e;
        } finally {
            socket.setSoTimeout(15_000);
        }
    }

    private Response read() throws IOException {
        String statusLine = line();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header; !(header = line()).isEmpty(); ) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.getOrDefault("Transfer-Encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            for (int size; (size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0; ) {
                body.write(in.readNBytes(size));
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (headers.containsKey("Content-Length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length"))));
        } else if (status / 100 != 1 && status != 204 && status != 304 && closesConnection(headers)) {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toByteArray());
    }

    private static boolean closesConnection(Map<String, String> headers) {
        return headers.getOrDefault("Connection", "").toLowerCase(Locale.ROOT).contains("close");
    }

    private String line() throws IOException {
        return line(in);
    }

    /** One line of a response head, without its CRLF; fails if the server closes mid-line. */
    public static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed by the server mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
