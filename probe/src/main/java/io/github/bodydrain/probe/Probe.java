package io.github.bodydrain.probe;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code java -jar body-drain-probe.jar URL [options]}: does this deployment lose responses to
 * requests whose body the application did not read?
 *
 * <p>It POSTs bodies of several sizes to an endpoint that answers without reading them (the URL's
 * path; without one, a path that does not exist, which servers answer 404 unread), with and
 * without {@code Expect: 100-continue}, on a fresh connection and on one reused for a second
 * request, and counts per case the responses that arrived whole, were cut short, were a proxy's
 * 502/503/504, or were reset. It says what it will send before it sends, never sends more than
 * {@code --max-bytes} in {@code --requests} requests within {@code --time-limit}, and ends with a
 * verdict and an exit code:
 * <table>
 * <caption>Exit codes</caption>
 * <tr><td>0</td><td>not affected: every response arrived whole</td></tr>
 * <tr><td>1</td><td>affected: responses were lost</td></tr>
 * <tr><td>2</td><td>cannot tell: too little was sent, or nothing answered in time</td></tr>
 * <tr><td>3</td><td>cannot connect: refused, unknown host, unreachable</td></tr>
 * <tr><td>4</td><td>TLS failed: handshake or certificate</td></tr>
 * <tr><td>64</td><td>usage: a bad argument</td></tr>
 * </table>
 */
public final class Probe {

    /** The exit codes. */
    static final int NOT_AFFECTED = 0;
    static final int AFFECTED = 1;
    static final int CANNOT_TELL = 2;
    static final int CANNOT_CONNECT = 3;
    static final int TLS_FAILED = 4;
    static final int USAGE = 64;

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    /** Below this a body fits the socket buffers on both sides, and the reset rarely shows. */
    private static final long TELLING_SIZE = MIB;

    private static String usage() {
        Options defaults = new Options();
        return String.format(Locale.ROOT, """
                usage: java -jar body-drain-probe.jar URL [options]
                  URL                  http:// or https://, the deployment's front (the proxy, if any); its path
                                       should answer without reading the body (401, 404); none: a path that does not exist
                  --large-response P   also a path P on the same host that answers a large response unread
                  --sizes LIST         body sizes (default %s)
                  --repeat N           requests per case (default %d)
                  --concurrency N      requests at once, as a proxy under load sends them (default %d)
                  --requests N         at most this many requests (default %d)
                  --max-bytes SIZE     at most this many body bytes in all (default %s)
                  --time-limit SECS    start no request after this long (default %d)
                  --timeout SECS       per connect and read (default %d)
                  --insecure           accept any TLS certificate
                  --json               the report as JSON
                  --help               this text
                """, String.join(",", defaults.sizes.stream().map(Probe::sizeArgument).toList()), defaults.repeat,
                defaults.concurrency, defaults.requests, sizeArgument(defaults.maxBytes), defaults.timeLimitSeconds,
                defaults.timeoutSeconds);
    }

    /** A size as the options take it: 64k, 16m. */
    private static String sizeArgument(long bytes) {
        return bytes % MIB == 0 ? bytes / MIB + "m" : bytes % KIB == 0 ? bytes / KIB + "k" : Long.toString(bytes);
    }

    private Probe() {
    }

    /**
     * Runs the probe and exits with its code.
     *
     * @param args the URL and the options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@return the exit code} Runs the probe with these arguments, reporting to {@code out}. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (List.of(args).contains("--help")) {
            out.print(usage());
            return NOT_AFFECTED;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("body-drain-probe: " + e.getMessage());
            err.print(usage());
            return USAGE;
        }
        List<Case> plan = plan(options);
        long bytes = plan.stream().mapToLong(c -> c.size * options.repeat).sum();
        int requests = plan.stream().mapToInt(c -> options.repeat * (c.reused ? 2 : 1)).sum();
        if (!options.json) {
            out.printf(Locale.ROOT, "body-drain-probe: %d cases, %d requests, at most %s of body to %s%s%s within %d s%n",
                    plan.size(), requests, size(bytes), options.origin(), options.path,
                    options.largeResponsePath == null ? "" : " and " + options.largeResponsePath,
                    options.timeLimitSeconds);
        }
        Map<Case, Map<Exchange.Result, Integer>> results = new LinkedHashMap<>();
        Map<Case, List<String>> where = new LinkedHashMap<>();
        long deadline = System.nanoTime() + options.timeLimitSeconds * 1_000_000_000L;
        boolean stoppedByTime = false;
        ExecutorService clients = Executors.newFixedThreadPool(options.concurrency, runnable -> {
            Thread thread = new Thread(runnable, "body-drain-probe-client");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (Case c : plan) {
                if (System.nanoTime() > deadline) {
                    stoppedByTime = true;
                    break;
                }
                Map<Exchange.Result, Integer> counts = new EnumMap<>(Exchange.Result.class);
                List<String> places = new ArrayList<>();
                long started = System.nanoTime();
                List<Future<Exchange>> exchanges = new ArrayList<>();
                for (int i = 0; i < options.repeat; i++) {
                    exchanges.add(clients.submit(() -> {
                        if (System.nanoTime() > deadline) {
                            return null;
                        }
                        try (Socket socket = options.connect()) {
                            return Exchange.run(socket, options.hostHeader(), c.path, c.size, c.expect, c.reused,
                                    options.timeoutSeconds * 1000);
                        }
                    }));
                }
                for (Future<Exchange> future : exchanges) {
                    Exchange exchange = result(future);
                    if (exchange == null) {
                        stoppedByTime = true;
                        continue;
                    }
                    counts.merge(exchange.result, 1, Integer::sum);
                    if (exchange.where != null && exchange.result != Exchange.Result.INTACT) {
                        places.add(exchange.result == Exchange.Result.GATEWAY_ERROR
                                ? exchange.status + " on the " + exchange.where : exchange.where);
                    }
                }
                c.millis = (System.nanoTime() - started) / 1_000_000;
                results.put(c, counts);
                where.put(c, places);
            }
        } catch (SSLException e) {
            err.println("body-drain-probe: TLS failed with " + options.origin() + ": " + e.getMessage()
                    + (options.insecure ? "" : " (--insecure accepts any certificate)"));
            return TLS_FAILED;
        } catch (ConnectException | UnknownHostException | NoRouteToHostException e) {
            err.println("body-drain-probe: cannot connect to " + options.origin() + ": " + e.getMessage());
            return CANNOT_CONNECT;
        } catch (IOException e) {
            err.println("body-drain-probe: " + options.origin() + ": " + e);
            return CANNOT_TELL;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CANNOT_TELL;
        } finally {
            clients.shutdownNow();
        }
        Verdict verdict = Verdict.of(results, where, stoppedByTime);
        if (options.json) {
            out.println(Report.json(options, results, where, verdict));
        } else {
            out.print(Report.table(results, where));
            out.println(verdict.text);
            verdict.advice.forEach(line -> out.println("  - " + line));
        }
        return verdict.exitCode;
    }

    /** The exchange a client thread ran, or its failure as thrown. */
    private static Exchange result(Future<Exchange> future) throws IOException, InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The cases within the limits: every size with and without Expect, fresh and reused, the
     * largest dropped first where the bytes or the requests would exceed them.
     */
    static List<Case> plan(Options options) {
        List<Case> plan = new ArrayList<>();
        long bytes = 0;
        int requests = 0;
        for (long size : options.sizes) {
            for (String path : options.paths()) {
                for (boolean expect : new boolean[] {false, true}) {
                    for (boolean reused : new boolean[] {false, true}) {
                        long caseBytes = size * options.repeat;
                        int caseRequests = options.repeat * (reused ? 2 : 1);
                        if (bytes + caseBytes <= options.maxBytes && requests + caseRequests <= options.requests) {
                            plan.add(new Case(path, !path.equals(options.path), size, expect, reused));
                            bytes += caseBytes;
                            requests += caseRequests;
                        }
                    }
                }
            }
        }
        return plan;
    }

    /** One kind of request: a body size, with or without Expect, on a fresh or a reused connection. */
    static final class Case {
        final String path;
        final boolean largeResponse;
        final long size;
        final boolean expect;
        final boolean reused;
        long millis;

        Case(String path, boolean largeResponse, long size, boolean expect, boolean reused) {
            this.path = path;
            this.largeResponse = largeResponse;
            this.size = size;
            this.expect = expect;
            this.reused = reused;
        }

        String label() {
            return String.format(Locale.ROOT, "%8s %-16s %-6s", size(size),
                    (expect ? "Expect: 100" : "no Expect") + (largeResponse ? ", L" : ""), reused ? "reused" : "fresh");
        }
    }

    /** What the results say, in words and as an exit code. */
    static final class Verdict {
        final int exitCode;
        final String word;
        final String text;
        final List<String> advice;

        private Verdict(int exitCode, String word, String text, List<String> advice) {
            this.exitCode = exitCode;
            this.word = word;
            this.text = text;
            this.advice = advice;
        }

        static Verdict of(Map<Case, Map<Exchange.Result, Integer>> results, Map<Case, List<String>> where,
                boolean stoppedByTime) {
            int lost = 0;
            int intact = 0;
            int timedOut = 0;
            long smallestLost = Long.MAX_VALUE;
            boolean lostOnlyWithExpect = true;
            boolean tellingSizeRan = false;
            for (Map.Entry<Case, Map<Exchange.Result, Integer>> entry : results.entrySet()) {
                Case c = entry.getKey();
                Map<Exchange.Result, Integer> counts = entry.getValue();
                int caseLost = counts.getOrDefault(Exchange.Result.CUT_SHORT, 0)
                        + counts.getOrDefault(Exchange.Result.GATEWAY_ERROR, 0)
                        + counts.getOrDefault(Exchange.Result.RESET, 0);
                int caseIntact = counts.getOrDefault(Exchange.Result.INTACT, 0);
                lost += caseLost;
                intact += caseIntact;
                timedOut += counts.getOrDefault(Exchange.Result.TIMED_OUT, 0);
                tellingSizeRan |= c.size >= TELLING_SIZE && caseIntact > 0;
                if (caseLost > 0) {
                    smallestLost = Math.min(smallestLost, c.size);
                    lostOnlyWithExpect &= c.expect;
                }
            }
            if (lost > 0) {
                List<String> advice = new ArrayList<>();
                advice.add("the application (or its server) closed connections with body bytes unread, and the"
                        + " close became a reset that took the response; install BodyDrainFilter"
                        + " (body-drain-filter, body-drain-filter-javax or body-drain-spring-boot-starter)");
                advice.add("at the proxy: refuse bodies larger than the application accepts (nginx:"
                        + " client_max_body_size at or below the filter's maxBytes); the proxy then answers them itself");
                advice.add("where it is installed: responses were lost from " + size(smallestLost)
                        + " on; the filter's counters (bodydrain.requests by outcome, or its DEBUG line) name"
                        + " the bound that stopped the drain: raise maxBytes over the bodies refused, or timeoutMs");
                // A pattern is worth naming only over a few losses.
                if (lost >= 3 && lostOnlyWithExpect) {
                    advice.add("only requests with Expect: 100-continue lost responses: the server answered"
                            + " before it invited the body and closed while the client sent it anyway; the"
                            + " README's \"How it behaves\" says what each container sends");
                }
                if (lost >= 3 && where.values().stream().flatMap(List::stream).allMatch(p -> p.endsWith("next request"))) {
                    advice.add("only the second request on a reused connection failed: the server closed a"
                            + " connection it had not said it would close (Connection: close)");
                }
                return new Verdict(AFFECTED, "affected", String.format(Locale.ROOT,
                        "AFFECTED: %d of %d responses were lost (cut short, 502/503/504 or reset).",
                        lost, lost + intact + timedOut), advice);
            }
            if (intact == 0 || !tellingSizeRan) {
                String why = intact == 0 ? (timedOut > 0 ? "nothing answered within the timeout"
                        : "no request could be sent")
                        : "no body of " + size(TELLING_SIZE) + " or more was sent (raise --max-bytes or --sizes)";
                return new Verdict(CANNOT_TELL, "cannot tell", "CANNOT TELL: " + why
                        + (stoppedByTime ? "; the time limit stopped the run" : "") + ".", List.of());
            }
            return new Verdict(NOT_AFFECTED, "not affected", String.format(Locale.ROOT,
                    "NOT AFFECTED: all %d responses arrived whole%s.", intact,
                    timedOut > 0 ? " (" + timedOut + " timed out)" : ""), List.of());
        }
    }

    /** The command line. */
    static final class Options {
        URI uri;
        String path;
        String largeResponsePath;
        List<Long> sizes = List.of(64 * KIB, MIB, 4 * MIB, 16 * MIB, 64 * MIB);
        int repeat = 4;
        int concurrency = 4;
        int requests = 200;
        long maxBytes = 256 * MIB;
        int timeLimitSeconds = 120;
        int timeoutSeconds = 10;
        boolean insecure;
        boolean json;

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    if (options.uri != null) {
                        throw new IllegalArgumentException("one URL only, got a second: " + arg);
                    }
                    options.uri = uri(arg);
                    continue;
                }
                switch (arg) {
                    case "--insecure" -> options.insecure = true;
                    case "--json" -> options.json = true;
                    case "--sizes" -> options.sizes = sizes(value(args, ++i, arg));
                    case "--large-response" -> options.largeResponsePath = pathOf(value(args, ++i, arg));
                    case "--repeat" -> options.repeat = positive(arg, value(args, ++i, arg));
                    case "--concurrency" -> options.concurrency = positive(arg, value(args, ++i, arg));
                    case "--requests" -> options.requests = positive(arg, value(args, ++i, arg));
                    case "--max-bytes" -> options.maxBytes = parseSize(arg, value(args, ++i, arg));
                    case "--time-limit" -> options.timeLimitSeconds = positive(arg, value(args, ++i, arg));
                    case "--timeout" -> options.timeoutSeconds = positive(arg, value(args, ++i, arg));
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            if (options.uri == null) {
                throw new IllegalArgumentException("no URL");
            }
            String path = options.uri.getRawPath();
            options.path = path == null || path.isEmpty() || path.equals("/")
                    ? "/body-drain-probe-" + UUID.randomUUID() : path;
            if (options.uri.getRawQuery() != null) {
                options.path += "?" + options.uri.getRawQuery();
            }
            return options;
        }

        private static String pathOf(String text) {
            if (!text.startsWith("/")) {
                throw new IllegalArgumentException("--large-response must be a path on the same host, such as"
                        + " /reports/large, got " + text);
            }
            return text;
        }

        List<String> paths() {
            return largeResponsePath == null ? List.of(path) : List.of(path, largeResponsePath);
        }

        private static URI uri(String text) {
            try {
                URI uri = URI.create(text);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new IllegalArgumentException("the URL must be http:// or https:// with a host: " + text);
                }
                return uri;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String option, String value) {
            try {
                int n = Integer.parseInt(value);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(option + " must be a whole number above 0, got " + value);
        }

        private static List<Long> sizes(String list) {
            List<Long> sizes = new ArrayList<>();
            for (String item : list.split(",")) {
                sizes.add(parseSize("--sizes", item.trim()));
            }
            return List.copyOf(sizes);
        }

        static long parseSize(String option, String value) {
            String text = value.toLowerCase(Locale.ROOT);
            long unit = text.endsWith("k") ? KIB : text.endsWith("m") ? MIB : text.endsWith("g") ? 1024 * MIB : 1;
            try {
                long n = Long.parseLong(unit == 1 ? text : text.substring(0, text.length() - 1));
                if (n >= 0 && n <= Long.MAX_VALUE / unit) {
                    return n * unit;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(option + " must be a size such as 512k, 4m or 1g, got " + value);
        }

        int port() {
            return uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        }

        String origin() {
            return uri.getScheme() + "://" + uri.getHost() + ":" + port();
        }

        String hostHeader() {
            return uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
        }

        Socket connect() throws IOException {
            // A small receive buffer, as a busy client or proxy effectively has: a reset then finds
            // response bytes not yet read, which is when it costs the response.
            Socket socket = new Socket();
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new InetSocketAddress(uri.getHost(), port()), timeoutSeconds * 1000);
            socket.setSoTimeout(timeoutSeconds * 1000);
            if (!uri.getScheme().equals("https")) {
                return socket;
            }
            SSLSocket tls = (SSLSocket) tls().getSocketFactory().createSocket(socket, uri.getHost(), port(), true);
            tls.startHandshake();
            return tls;
        }

        private SSLContext tls() throws IOException {
            try {
                if (!insecure) {
                    return SSLContext.getDefault();
                }
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                }}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
    }

    static String size(long bytes) {
        if (bytes >= MIB && bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes >= KIB && bytes % KIB == 0) {
            return bytes / KIB + " KiB";
        }
        return bytes + " B";
    }
}
