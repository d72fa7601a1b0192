package io.github.bodydrain.bench;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The load generator, in a process of its own on a CPU of its own, so that the container's CPU
 * time is the container's alone. Told what to send on standard input, one batch a line:
 * {@code PORTS METHOD PATH BODY_BYTES COUNT}; answers {@code ok} once every response has come, or
 * {@code fail WHY}. {@code PORTS} is one port or several, comma-separated: then each round sends
 * one request to each, in an order that turns by one every round, so that two servers are
 * measured over the same moments. Requests go one after the other on a keep-alive connection per
 * port, a new one when the server closes it.
 */
public final class LoadClient implements AutoCloseable {

    private static final byte[] CHUNK = new byte[64 * 1024];

    static {
        Arrays.fill(CHUNK, (byte) 'k');
    }

    private final Process process;
    private final PrintStream commands;
    private final BufferedReader answers;

    private LoadClient(Process process) {
        this.process = process;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Starts the client on these CPUs ({@code taskset} list), with this JVM's class path. */
    static LoadClient start(String cpus) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of("taskset", "-c", cpus, java, "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), LoadClient.class.getName()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new LoadClient(process);
    }

    /** Sends {@code count} requests and waits for their responses. */
    void send(int port, String method, String path, long bodyBytes, int count) throws IOException {
        send(List.of(port), method, path, bodyBytes, count);
    }

    /** Sends {@code rounds} rounds of one request to each port, and waits for their responses. */
    void send(List<Integer> ports, String method, String path, long bodyBytes, int rounds) throws IOException {
        commands.println(String.join(",", ports.stream().map(String::valueOf).toList()) + " " + method + " " + path
                + " " + bodyBytes + " " + rounds);
        String answer = answers.readLine();
        if (answer == null || !answer.equals("ok")) {
            throw new IOException("the load client said: " + answer);
        }
    }

    @Override
    public void close() throws InterruptedException {
        commands.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** The client process. */
    public static void main(String[] args) throws IOException {
        Map<Integer, Connection> connections = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null; ) {
            String[] batch = line.split(" ");
            int[] ports = Arrays.stream(batch[0].split(",")).mapToInt(Integer::parseInt).toArray();
            try {
                int rounds = Integer.parseInt(batch[4]);
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < ports.length; i++) {
                        int port = ports[(round + i) % ports.length];
                        Connection connection = connections.get(port);
                        if (connection == null) {
                            connection = new Connection(port);
                            connections.put(port, connection);
                        }
                        if (!connection.exchange(batch[1], batch[2], Long.parseLong(batch[3]))) {
                            connection.socket.close();
                            connections.remove(port);
                        }
                    }
                }
                System.out.println("ok");
            } catch (IOException | RuntimeException e) {
                System.out.println("fail " + e);
            }
        }
        for (Connection connection : connections.values()) {
            connection.socket.close();
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Connection(int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        /** One request and its response; false when the server closes the connection after it. */
        boolean exchange(String method, String path, long bodyBytes) throws IOException {
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + (bodyBytes > 0 ? "Content-Type: application/octet-stream\r\nContent-Length: " + bodyBytes + "\r\n"
                    : "") + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            for (long left = bodyBytes; left > 0; left -= CHUNK.length) {
                out.write(CHUNK, 0, (int) Math.min(CHUNK.length, left));
            }
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException(method + " " + path + " answered " + status);
            }
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String header; !(header = line()).isEmpty(); ) {
                String lower = header.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    close = true;
                }
            }
            if (chunked) {
                for (long size; (size = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                    in.skipNBytes(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                in.skipNBytes(length);
            } else {
                throw new IOException(method + " " + path + ": a response with no length");
            }
            return !close;
        }

        private String line() throws IOException {
            return io.github.bodydrain.it.KeepAliveConnection.line(in);
        }
    }
}
