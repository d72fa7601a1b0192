package io.github.bodydrain;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import javax.management.JMException;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.function.LongFunction;

/**
 * Reads and discards the part of a request body that the application left unread, just before
 * the response commits, so that the container's close of the connection is a FIN and not a
 * reset that destroys the response.
 *
 * <p>When a server closes a TCP connection while request bytes it never read are still in its
 * receive buffer, Linux sends RST instead of FIN (RFC 1122 4.2.2.13). The peer, typically nginx,
 * then loses whatever part of the response it had not read yet and logs {@code recv() failed (104:
 * Connection reset by peer) while reading response header from upstream} or {@code readv() failed
 * (104: ...) while reading upstream}. It happens whenever an application answers without reading
 * the body (401, 404, 413, a validation error) and the container then closes the connection.
 *
 * <h2>When it drains</h2>
 * The drain runs just before the response commits: before the write that could fill the response
 * buffer or complete the declared {@code Content-Length}, before {@code flush()} and
 * {@code flushBuffer()}, at {@code close()}, {@code sendError}, {@code sendRedirect}, when the
 * filter chain returns or throws, and for async requests at {@code AsyncContext.complete()}, on
 * timeout and on error. It cannot wait until the chain returns: Tomcat closes the request input as
 * soon as the response output closes, and nginx stops sending the request body once it has passed
 * the response header to its client, so a blocking drain after the commit would wait for bytes
 * that never come. A body the application had partly read when the response commits is drained
 * all the same, as Go's {@code net/http} does. Applications that stream the response while still
 * reading the request call {@link #enableFullDuplex(ServletRequest)}; their drain waits for the
 * end of the request.
 *
 * <p>Once the response has committed (the application flushed through a path the filter does not
 * see, or opted for full duplex) the filter reads only what has already arrived, and never blocks.
 *
 * <h2>What it never does</h2>
 * <ul>
 * <li>It reads nothing when there is no body, when the application read it to the end, and on
 * HTTP/2 and later, where a stream reset costs the connection nothing.</li>
 * <li>It reads nothing when the remaining declared length exceeds {@code maxBytes}, and it stops at
 * {@code maxBytes} or {@code timeoutMs}; in both cases it adds {@code Connection: close} while the
 * response is not committed, so that no client reuses a connection with unread bytes in it.</li>
 * <li>For {@code Expect: 100-continue}, when the application did not start to read the body, it
 * reads nothing (reading would make the container send {@code 100 Continue} and invite a body
 * nobody wants) and adds {@code Connection: close}.</li>
 * <li>It reads through whichever of {@code getInputStream()} and {@code getReader()} the application
 * used, never both. For a body opened with {@code getReader()} the limit counts characters.</li>
 * <li>A drain that fails (client gone, I/O error, malformed chunk) ends quietly: it never throws,
 * never logs above DEBUG, and never replaces an exception that the application threw.</li>
 * </ul>
 *
 * <h2>Init parameters</h2>
 * <table>
 * <caption>Init parameters</caption>
 * <tr><th>Parameter</th><th>Meaning</th><th>Format</th><th>Default</th></tr>
 * <tr><td>{@code maxBytes}</td><td>The most body bytes drained per request. A body whose remaining
 * declared length is larger is not read at all, and a chunked body longer than this is cut
 * short; the connection is then closed.</td><td>integer &gt;= 0</td>
 * <td>{@value #DEFAULT_MAX_BYTES} (2 MiB), see {@link #DEFAULT_MAX_BYTES}</td></tr>
 * <tr><td>{@code timeoutMs}</td><td>The most time one drain may take, in milliseconds, checked
 * after every read. A single blocking read that gets no data is bounded by the container's own
 * read timeout.</td><td>integer &gt;= 1</td>
 * <td>{@value #DEFAULT_TIMEOUT_MS}, see {@link #DEFAULT_TIMEOUT_MS}</td></tr>
 * <tr><td>{@code jmxEnabled}</td><td>Registers the counters ({@link DrainStatsMXBean}) with the
 * platform MBean server at init, under {@link #getObjectName()}, and unregisters them at
 * destroy.</td><td>{@code true} or {@code false}</td><td>{@code false}</td></tr>
 * </table>
 * An unknown parameter or a bad value stops {@link #init(FilterConfig)} with a
 * {@link ServletException} naming the filter, the parameter and the value. Init parameters, where
 * given, override the settings the filter was {@linkplain #builder() built} with.
 *
 * <h2>Dispatches</h2>
 * The first dispatch of a request that the filter sees takes charge of it (REQUEST, or FORWARD or
 * ERROR when the filter is mapped to those alone); an INCLUDE never does, since the including
 * servlet still owns the response. Later dispatches of the same request pass through, so the
 * filter works once per request; an ASYNC dispatch that ends without restarting async processing
 * drains when it returns, as a REQUEST dispatch does. Map the filter with
 * {@code <async-supported>true</async-supported>} and to the REQUEST and ASYNC dispatcher types.
 *
 * <h2>Logging and counters</h2>
 * One INFO line at {@code init} with the effective settings, through {@link System.Logger} named
 * after this class; one DEBUG line per drain; never the body's content. {@link #getStats()} counts
 * the outcomes.
 */
public final class BodyDrainFilter implements Filter {

    /**
     * Default of {@code maxBytes}: 2 MiB. The same as Tomcat's {@code maxSwallowSize} and
     * Undertow's drain limit, so the filter tolerates what those containers already tolerate, and
     * twice nginx's default {@code client_max_body_size} (1 MiB), so behind a default nginx every
     * body fits. Draining before the commit costs the time to receive the body, which behind a
     * buffering proxy arrives at LAN speed: about 2 ms for 2 MiB on loopback.
     */
    public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024;

    /**
     * Default of {@code timeoutMs}: 2 000 ms, as gunicorn's graceful close. Long enough for 2 MiB
     * at 8 Mbit/s; a client slower than that holds a request thread for no more than this, where
     * nginx's discard allows 5 s per read and 30 s in all.
     */
    public static final long DEFAULT_TIMEOUT_MS = 2_000;

    /** Init parameter: the most body bytes drained per request. */
    public static final String MAX_BYTES_PARAM = "maxBytes";

    /** Init parameter: the most time one drain may take, in milliseconds. */
    public static final String TIMEOUT_MS_PARAM = "timeoutMs";

    /** Init parameter: {@code true} registers the counters as an MBean; see {@link #getObjectName()}. */
    public static final String JMX_ENABLED_PARAM = "jmxEnabled";

    /** The JMX domain of the MBeans the filter registers. */
    public static final String JMX_DOMAIN = "io.github.bodydrain";

    /**
     * Request attribute that defers the drain to the end of the request; see
     * {@link #enableFullDuplex(ServletRequest)}.
     */
    public static final String FULL_DUPLEX_ATTRIBUTE = BodyDrainFilter.class.getName() + ".FULL_DUPLEX";

    /** Request attribute under which the filter keeps its per-request state, once per request. */
    static final String DRAIN_ATTRIBUTE = BodyDrainFilter.class.getName() + ".DRAIN";

    static final System.Logger LOG = System.getLogger(BodyDrainFilter.class.getName());

    private static final int DISCARD_BUFFER_SIZE = 8192;

    private volatile Settings settings;
    private final DrainStats stats = new DrainStats();
    private volatile ObjectName objectName;
    // Shared by every drain of this filter: what is written into them is never read, so
    // concurrent drains may overwrite each other freely and no drain allocates a buffer.
    final byte[] discardBytes = new byte[DISCARD_BUFFER_SIZE];
    final char[] discardChars = new char[DISCARD_BUFFER_SIZE];

    /** A filter with the default settings, for {@code web.xml}; init parameters may change them. */
    public BodyDrainFilter() {
        this(new Settings(DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, false));
    }

    private BodyDrainFilter(Settings settings) {
        this.settings = settings;
    }

    /** Starts a filter built in code; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Asks the filter to leave the body alone until the request ends, for an application that
     * streams its response while it still reads the request (as Go's
     * {@code ResponseController.EnableFullDuplex}). Whatever is unread at the end is then drained
     * only as far as it has already arrived, so call this only where the application reads the
     * body to its end.
     */
    public static void enableFullDuplex(ServletRequest request) {
        request.setAttribute(FULL_DUPLEX_ATTRIBUTE, Boolean.TRUE);
    }

    /** The most body bytes drained per request. */
    public long getMaxBytes() {
        return settings.maxBytes;
    }

    /** The most time one drain may take, in milliseconds. */
    public long getTimeoutMs() {
        return settings.timeoutMs;
    }

    /** Whether the counters are registered as an MBean at init. */
    public boolean isJmxEnabled() {
        return settings.jmxEnabled;
    }

    /** What the filter has done since it was created. */
    public DrainStats getStats() {
        return stats;
    }

    /**
     * The name of the MBean with the counters, while it is registered:
     * {@code io.github.bodydrain:type=BodyDrainFilter,context=<context path>,name=<filter name>};
     * null when JMX is not enabled or the filter is not initialised.
     */
    public ObjectName getObjectName() {
        return objectName;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        settings = settings.withInitParameters(config);
        if (settings.jmxEnabled) {
            objectName = registerMBean(config);
        }
        LOG.log(Level.INFO, "Filter [{0}] drains unread request bodies with maxBytes [{1}], timeoutMs [{2}], jmxEnabled [{3}]",
                config.getFilterName(), Long.toString(settings.maxBytes), Long.toString(settings.timeoutMs),
                Boolean.toString(settings.jmxEnabled));
    }

    @Override
    public void destroy() {
        ObjectName registered = objectName;
        objectName = null;
        if (registered != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (JMException e) {
                LOG.log(Level.DEBUG, "MBean [{0}] was already gone: {1}", registered, e);
            }
        }
    }

    private ObjectName registerMBean(FilterConfig config) throws ServletException {
        String context = config.getServletContext() == null ? "" : config.getServletContext().getContextPath();
        ObjectName name;
        try {
            name = new ObjectName(JMX_DOMAIN + ":type=BodyDrainFilter,context="
                    + ObjectName.quote(context.isEmpty() ? "/" : context) + ",name="
                    + ObjectName.quote(config.getFilterName()));
            ManagementFactory.getPlatformMBeanServer().registerMBean(stats, name);
        } catch (JMException e) {
            // Two filters of the same name in one context, or one not destroyed: a setup error.
            throw new ServletException("Filter [" + config.getFilterName() + "]: init parameter [" + JMX_ENABLED_PARAM
                    + "] = [true] but its MBean cannot be registered: " + e, e);
        }
        return name;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        if (request.getAttribute(DRAIN_ATTRIBUTE) instanceof RequestDrain drain) {
            continueRequest(drain, request, response, chain);
            return;
        }
        if (!hasBody(request) || request.getDispatcherType() == DispatcherType.INCLUDE) {
            chain.doFilter(request, response);
            return;
        }
        RequestDrain drain = new RequestDrain(this, settings, request, response);
        request.setAttribute(DRAIN_ATTRIBUTE, drain);
        try {
            chain.doFilter(drain.request(), drain.response());
        } finally {
            // Runs on success and on failure alike; the drain never throws, so an exception from
            // the chain leaves here unchanged.
            if (!request.isAsyncStarted()) {
                drain.atEnd();
            }
        }
    }

    private static void continueRequest(RequestDrain drain, HttpServletRequest request,
            HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.getDispatcherType() == DispatcherType.ASYNC && !request.isAsyncStarted()) {
                drain.atEnd();
            }
        }
    }

    private static boolean hasBody(HttpServletRequest request) {
        if (request.getContentLengthLong() <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return false;
        }
        // HTTP/2 and later reset a stream, not the connection: nothing to protect.
        String protocol = request.getProtocol();
        return protocol == null || !(protocol.startsWith("HTTP/2") || protocol.startsWith("HTTP/3"));
    }

    void record(DrainOutcome outcome, long bytes) {
        stats.record(outcome, bytes);
    }

    /** Builds a filter in code, for containers and frameworks that register filter instances. */
    public static final class Builder {
        private long maxBytes = DEFAULT_MAX_BYTES;
        private long timeoutMs = DEFAULT_TIMEOUT_MS;
        private boolean jmxEnabled;

        private Builder() {
        }

        /** The most body bytes drained per request, at least 0; default {@value #DEFAULT_MAX_BYTES}. */
        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /** The most time one drain may take, at least 1 ms; default {@value #DEFAULT_TIMEOUT_MS}. */
        public Builder timeoutMs(long timeoutMs) {
            this.timeoutMs = timeoutMs;
            return this;
        }

        /** Registers the counters as an MBean at init; default false. */
        public Builder jmxEnabled(boolean jmxEnabled) {
            this.jmxEnabled = jmxEnabled;
            return this;
        }

        /** @throws IllegalArgumentException if a setting is out of range */
        public BodyDrainFilter build() {
            check(MAX_BYTES_PARAM, maxBytes, Settings.maxBytesProblem(maxBytes));
            check(TIMEOUT_MS_PARAM, timeoutMs, Settings.timeoutMsProblem(timeoutMs));
            return new BodyDrainFilter(new Settings(maxBytes, timeoutMs, jmxEnabled));
        }

        private static void check(String name, long value, String problem) {
            if (problem != null) {
                throw new IllegalArgumentException(name + " [" + value + "] " + problem);
            }
        }
    }

    /** The filter's immutable settings. */
    static final class Settings {
        // Keeps the deadline arithmetic in nanoseconds far from overflowing.
        static final long MAX_TIMEOUT_MS = Long.MAX_VALUE / 4_000_000;

        final long maxBytes;
        final long timeoutMs;
        final long timeoutNanos;
        final boolean jmxEnabled;

        Settings(long maxBytes, long timeoutMs, boolean jmxEnabled) {
            this.maxBytes = maxBytes;
            this.timeoutMs = timeoutMs;
            this.timeoutNanos = timeoutMs * 1_000_000;
            this.jmxEnabled = jmxEnabled;
        }

        static String maxBytesProblem(long maxBytes) {
            return maxBytes < 0 ? "must be at least 0" : null;
        }

        static String timeoutMsProblem(long timeoutMs) {
            return timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS ? "must be between 1 and " + MAX_TIMEOUT_MS : null;
        }

        Settings withInitParameters(FilterConfig config) throws ServletException {
            long newMaxBytes = maxBytes;
            long newTimeoutMs = timeoutMs;
            boolean newJmxEnabled = jmxEnabled;
            for (String name : Collections.list(config.getInitParameterNames())) {
                String value = config.getInitParameter(name);
                switch (name) {
                    case MAX_BYTES_PARAM -> newMaxBytes = parse(config, name, value, Settings::maxBytesProblem);
                    case TIMEOUT_MS_PARAM -> newTimeoutMs = parse(config, name, value, Settings::timeoutMsProblem);
                    case JMX_ENABLED_PARAM -> newJmxEnabled = parseBoolean(config, name, value);
                    default -> throw invalid(config, name, value, "is not a parameter of this filter; it takes ["
                            + MAX_BYTES_PARAM + "], [" + TIMEOUT_MS_PARAM + "] and [" + JMX_ENABLED_PARAM + "]");
                }
            }
            return new Settings(newMaxBytes, newTimeoutMs, newJmxEnabled);
        }

        private static boolean parseBoolean(FilterConfig config, String name, String value) throws ServletException {
            String trimmed = value == null ? "" : value.trim();
            if (trimmed.equals("true") || trimmed.equals("false")) {
                return trimmed.equals("true");
            }
            throw invalid(config, name, value, "must be true or false");
        }

        private static long parse(FilterConfig config, String name, String value, LongFunction<String> check)
                throws ServletException {
            long parsed;
            try {
                parsed = Long.parseLong(value == null ? "" : value.trim());
            } catch (NumberFormatException e) {
                throw invalid(config, name, value, "is not a whole number");
            }
            String problem = check.apply(parsed);
            if (problem != null) {
                throw invalid(config, name, value, problem);
            }
            return parsed;
        }

        private static ServletException invalid(FilterConfig config, String name, String value, String why) {
            return new ServletException("Filter [" + config.getFilterName() + "]: init parameter [" + name
                    + "] = [" + value + "] " + why);
        }
    }
}
