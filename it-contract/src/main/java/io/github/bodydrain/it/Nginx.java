package io.github.bodydrain.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx, Debian's binary, in front of a container: started as a child process with a
 * generated configuration on an ephemeral loopback port, and stopped by its PID.
 */
public final class Nginx implements AutoCloseable {

    /** How nginx talks to the upstream. */
    public enum Upstream {
        /** nginx's default before 1.29.7: HTTP/1.0 and a new connection per request. */
        DEFAULT,
        /** Upstream keepalive: HTTP/1.1, {@code Connection: ""}, idle connections reused. */
        KEEPALIVE
    }

    /** The error.log lines that mean the upstream reset or closed the connection, by kind. */
    public static final List<String> RESET_LINES = List.of("recv() failed (104", "readv() failed (104",
            "writev() failed (32", "writev() failed (104", "upstream prematurely closed");

    private static final List<String> BINARIES = List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx",
            "/usr/local/nginx/sbin/nginx");

    private final Process process;
    private final Path directory;
    private final int port;
    private final Thread stopOnExit;

    private Nginx(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.stopOnExit = new Thread(this::stop, "nginx-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /** The nginx binary, or an error that says how to install it. */
    public static String binary() {
        for (String candidate : BINARIES) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nginx"))) {
                return Path.of(dir, "nginx").toString();
            }
        }
        throw new IllegalStateException("nginx is not installed; install it with `sudo apt-get install nginx`"
                + " (or run bin/setup), the nginx tests need the real one");
    }

    /** Starts nginx in front of {@code 127.0.0.1:upstreamPort} and waits until it accepts. */
    public static Nginx start(int upstreamPort, Upstream upstream) throws IOException, InterruptedException {
        int port = freePort();
        return start(port, site(port, upstreamPort, upstream));
    }

    /**
     * Starts nginx with {@code site} as the content of its {@code http} block, as a file in
     * {@code conf.d/} would be, and waits until it accepts on {@code port}, which the site must
     * listen on.
     */
    public static Nginx start(int port, String site) throws IOException, InterruptedException {
        String binary = binary();
        Path directory = Files.createTempDirectory("nginx-it");
        // nginx's workers drop root; they must reach their temp directories below this one.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(directory.resolve("site.conf"), site);
        Files.writeString(directory.resolve("nginx.conf"), MAIN_CONFIG);
        Process process = new ProcessBuilder(binary, "-p", directory.toString(), "-c", "nginx.conf",
                "-e", "error.log", "-g", "daemon off;")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile())
                .start();
        Nginx nginx = new Nginx(process, directory, port);
        try {
            nginx.awaitAccepting();
        } catch (IOException | RuntimeException e) {
            nginx.close();
            throw e;
        }
        return nginx;
    }

    /** Everything around the site: files in the temp directory, logs, no daemon. */
    private static final String MAIN_CONFIG = String.join("\n",
            "worker_processes 1;",
            "pid nginx.pid;",
            "error_log error.log error;",
            "events { worker_connections 1024; }",
            "http {",
            "  access_log off;",
            "  client_body_temp_path client_body;",
            "  proxy_temp_path proxy;",
            "  fastcgi_temp_path fastcgi;",
            "  uwsgi_temp_path uwsgi;",
            "  scgi_temp_path scgi;",
            "  include site.conf;",
            "}",
            "");

    public static String site(int port, int upstreamPort, Upstream upstream) {
        return site(port, upstreamPort, upstream, "64m", true);
    }

    /**
     * The site in front of the upstream: {@code client_max_body_size} as given, and the request
     * body buffered by nginx (its default) or streamed at the client's pace
     * ({@code proxy_request_buffering off}, as HAProxy, Envoy or an ALB pass it on).
     */
    public static String site(int port, int upstreamPort, Upstream upstream, String maxBodySize,
            boolean requestBuffering) {
        boolean keepalive = upstream == Upstream.KEEPALIVE;
        return String.join("\n",
                "client_max_body_size " + maxBodySize + ";",
                "upstream app {",
                "  server 127.0.0.1:" + upstreamPort + ";",
                keepalive ? "  keepalive 16;" : "",
                "}",
                "server {",
                "  listen 127.0.0.1:" + port + ";",
                "  location / {",
                "    proxy_pass http://app;",
                keepalive ? "    proxy_http_version 1.1;" : "",
                keepalive ? "    proxy_set_header Connection \"\";" : "",
                requestBuffering ? "" : "    proxy_request_buffering off;",
                "  }",
                "}",
                "");
    }

    /** A free port on 127.0.0.1, for nginx to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private void awaitAccepting() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ": "
                        + Files.readString(directory.resolve("stdout.log")) + errorLog());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("nginx did not accept on port " + port + " within 10 s: " + errorLog());
                }
                // Polls a condition (nginx accepting), bounded by the deadline above.
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** What nginx has written to its error log so far. */
    public String errorLog() {
        try {
            Path log = directory.resolve("error.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empties the error log, between cases; nginx appends, so it goes on writing at the start. */
    public void clearErrorLog() {
        try {
            Files.write(directory.resolve("error.log"), new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts the reset and close lines in the error log, by kind (see {@link #RESET_LINES}). */
    public Map<String, Integer> resetLines() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String line : errorLog().split("\n")) {
            for (String kind : RESET_LINES) {
                if (line.contains(kind)) {
                    counts.merge(kind, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private void stop() {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
        Directories.delete(directory);
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // The hook is running or has run.
        }
    }
}
