package io.github.bodydrain;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Collections;

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
 * that never come. The commit is foreseen from the response buffer: Tomcat, Undertow and most
 * containers commit when it is full, Jetty at a quarter of it, where it stops aggregating writes.
 *
 * <h2>What the application sees</h2>
 * Exactly what it would see without the filter, with one exception that fails loudly:
 * <ul>
 * <li>A body the application had partly read when the response is about to commit is drained all
 * the same, as Go's {@code net/http} does. If the application then reads again, the read throws an
 * {@link java.io.IOException} that names this filter and {@link #enableFullDuplex(ServletRequest)}
 * (Go returns {@code ErrBodyReadAfterClose}). A read that returns -1 always means that the
 * client's body ended.</li>
 * <li>A body the application reads after it began to write its response is left to it until the
 * request ends: it streams both ways (an echo, a progress page), as if it had called
 * {@link #enableFullDuplex(ServletRequest)}.</li>
 * <li>Closing the input stream or reader drains what is left at once, then closes.</li>
 * <li>{@code getReader()} decodes the counted stream with the request's character encoding
 * (ISO-8859-1 where it names none), so the limits count bytes whichever the application used.</li>
 * <li>Async processing is started on the container's own request and response, so
 * {@code hasOriginalRequestAndResponse()} and {@code dispatch()} keep their meaning; the
 * {@code AsyncContext}, the one the request returns on every call, hands out the filter's
 * wrappers, and the events its listeners get carry it too.</li>
 * </ul>
 *
 * <p>A drain left for the end of the request (the chain returned with the response still in the
 * container's buffer, as after {@code setStatus(401)} and a short body) holds no thread where the
 * request supports async: the filter starts async processing on the objects it was given, reads the
 * body as the container reports it, and completes when the drain ends or {@code timeoutMs} passes,
 * to the millisecond. Filters mapped before this one then see {@code isAsyncStarted()}; map it first,
 * or set {@code nonBlocking} to {@code false}. Drains before the commit (a {@code sendError}, a flush,
 * a full buffer) run on the request thread.
 *
 * <p>Once the response has committed (the application flushed through a path the filter does not
 * see, or streams both ways) the filter reads only what has already arrived, and never blocks.
 * Where the application read a declared body to its last byte, one more read, which returns -1
 * at once, tells the container that the body ended.
 *
 * <h2>What it never does</h2>
 * <ul>
 * <li>It reads nothing when there is no body, when the application read it to the end (itself,
 * or through the container's {@code getParameter} or {@code getParts}), and on HTTP/2 and later,
 * where a stream reset costs the connection nothing.</li>
 * <li>It reads nothing when the remaining declared length exceeds {@code maxBytes}, and it stops at
 * {@code maxBytes} or {@code timeoutMs}; in both cases it adds {@code Connection: close} while the
 * response is not committed, so that no client reuses a connection with unread bytes in it.</li>
 * <li>For {@code Expect: 100-continue}, when the application did not start to read the body and
 * the container has not invited it yet, it reads nothing (reading would make the container send
 * {@code 100 Continue} and invite a body nobody wants) and adds {@code Connection: close}. Tomcat,
 * at its default {@code continueResponseTiming}, invites the body before the application runs:
 * the body is then on its way and is drained like any other.</li>
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
 * <td>{@value #DEFAULT_MAX_BYTES} (256 MiB: what 1 Gbit/s delivers in 2 s)</td></tr>
 * <tr><td>{@code timeoutMs}</td><td>The most time one drain may take, in milliseconds. A drain that
 * waits without a thread ends at this deadline; one on the request thread checks it after every
 * read, and a single read that gets no data is bounded by the container's own read
 * timeout.</td><td>integer &gt;= 1</td><td>{@value #DEFAULT_TIMEOUT_MS}</td></tr>
 * <tr><td>{@code nonBlocking}</td><td>Where the chain returned normally with the response uncommitted
 * and the request supports async, the drain waits for the body without a thread: the request goes
 * async, the body is read as it arrives ({@code ReadListener}), and the response goes out when the
 * drain ends or its deadline passes. {@code false} drains on the request thread, always.</td>
 * <td>{@code true} or {@code false}</td><td>{@code true}</td></tr>
 * <tr><td>{@code excludedPaths}</td><td>Paths within the context that the filter leaves alone
 * (endpoints that must never be drained), separated by commas: {@code /exact} or
 * {@code /prefix/*}, which also matches {@code /prefix}.</td><td>list of paths</td><td>none</td></tr>
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
 * drains when it returns, as a REQUEST dispatch does. A later dispatch finds the filter's wrappers
 * under the request it is given (a FORWARD, or a second registration of the filter in the same
 * chain), or, where the container hands in its own request again (ASYNC, ERROR), under a request
 * attribute named after the class, not the filter. The attribute is set only where such a
 * dispatch can follow: async started, {@code sendError}, or an exception from the chain; it is
 * never removed. Map the filter first of
 * all filters, with {@code <async-supported>true</async-supported>}, to the REQUEST, ASYNC and
 * ERROR dispatcher types.
 *
 * <h2>Logging and counters</h2>
 * One INFO line at {@code init} with the effective settings, through {@link System.Logger} named
 * after this class; one line per drain at the level its {@link DrainOutcome} gives (DEBUG, or
 * TRACE where nothing was left); never the body's content. {@link #getStats()} counts the
 * outcomes.
 */
public final class BodyDrainFilter implements Filter {

    /** Default of {@code maxBytes}: 256 MiB, what 1 Gbit/s delivers in 2 s. */
    public static final long DEFAULT_MAX_BYTES = DrainSettings.DEFAULT_MAX_BYTES;

    /** Default of {@code timeoutMs}: 5 000 ms, nginx's {@code lingering_timeout}. */
    public static final long DEFAULT_TIMEOUT_MS = DrainSettings.DEFAULT_TIMEOUT_MS;

    /** Init parameter: the most body bytes drained per request. */
    public static final String MAX_BYTES_PARAM = DrainSettings.MAX_BYTES;

    /** Init parameter: the most time one drain may take, in milliseconds. */
    public static final String TIMEOUT_MS_PARAM = DrainSettings.TIMEOUT_MS;

    /** Init parameter: {@code false} keeps every drain on the request thread. */
    public static final String NON_BLOCKING_PARAM = DrainSettings.NON_BLOCKING;

    /** Init parameter: paths the filter leaves alone, {@code /exact} or {@code /prefix/*}, comma-separated. */
    public static final String EXCLUDED_PATHS_PARAM = DrainSettings.EXCLUDED_PATHS;

    /** Init parameter: {@code true} registers the counters as an MBean; see {@link #getObjectName()}. */
    public static final String JMX_ENABLED_PARAM = DrainSettings.JMX_ENABLED;

    /** The JMX domain of the MBeans the filter registers. */
    public static final String JMX_DOMAIN = "io.github.bodydrain";

    /**
     * Request attribute that defers the drain to the end of the request; see
     * {@link #enableFullDuplex(ServletRequest)}.
     */
    public static final String FULL_DUPLEX_ATTRIBUTE = RequestDrain.FULL_DUPLEX_ATTRIBUTE;

    /**
     * Request attribute under which the filter keeps its wrappers and their state for a later
     * ASYNC or ERROR dispatch: set only when one can follow.
     */
    static final String DRAIN_ATTRIBUTE = BodyDrainFilter.class.getName() + ".DRAIN";

    private static final System.Logger LOG = Drainer.LOG;

    private final DrainStats stats = new DrainStats();
    private volatile Drainer drainer;
    private volatile Container container;
    private volatile ObjectName objectName;
    private final Deadlines deadlines = new Deadlines();

    /** A filter with the default settings, for {@code web.xml}; init parameters may change them. */
    public BodyDrainFilter() {
        this(DrainSettings.DEFAULTS);
    }

    private BodyDrainFilter(DrainSettings settings) {
        this.drainer = new Drainer(settings, stats);
    }

    /** {@return a builder of a filter configured in code; see {@link Builder}} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Asks the filter to leave the body alone until the request ends, for an application that
     * streams its response while it still reads the request (as Go's
     * {@code ResponseController.EnableFullDuplex}). Whatever is unread at the end is then drained
     * only as far as it has already arrived, so call this only where the application reads the
     * body to its end.
     *
     * @param request the request whose body the application reads while it responds
     */
    public static void enableFullDuplex(ServletRequest request) {
        request.setAttribute(FULL_DUPLEX_ATTRIBUTE, Boolean.TRUE);
    }

    /** {@return the most body bytes drained per request} */
    public long getMaxBytes() {
        return drainer.settings().maxBytes();
    }

    /** {@return the most time one drain may take, in milliseconds} */
    public long getTimeoutMs() {
        return drainer.settings().timeoutMs();
    }

    /** {@return whether a drain left for the end of the request waits for the body without a thread} */
    public boolean isNonBlocking() {
        return drainer.settings().nonBlocking();
    }

    /** {@return the paths the filter leaves alone} */
    public java.util.List<String> getExcludedPaths() {
        return drainer.settings().excludedPaths();
    }

    /** {@return whether the counters are registered as an MBean at init} */
    public boolean isJmxEnabled() {
        return drainer.settings().jmxEnabled();
    }

    /** {@return what the filter has done since it was created} */
    public DrainStats getStats() {
        return stats;
    }

    /**
     * The name of the MBean with the counters, while it is registered:
     * {@code io.github.bodydrain:type=BodyDrainFilter,context=<context path>,name=<filter name>},
     * with {@code ,instance=2} (3, ...) added for a second filter of that name and context in the
     * same JVM, as two embedded servers have.
     *
     * @return the name, or null when JMX is not enabled or the filter is not initialised
     */
    public ObjectName getObjectName() {
        return objectName;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        DrainSettings.Builder settings = drainer.settings().toBuilder();
        for (String name : Collections.list(config.getInitParameterNames())) {
            String value = config.getInitParameter(name);
            try {
                settings.set(name, value);
            } catch (InvalidSettingException e) {
                throw new ServletException("Filter [" + config.getFilterName() + "]: init parameter ["
                        + e.parameter() + "] = [" + e.value() + "] " + e.problem(), e);
            }
        }
        Drainer configured = new Drainer(settings.build(), stats);
        if (configured.settings().jmxEnabled()) {
            objectName = registerMBean(config);
        }
        drainer = configured;
        LOG.log(Level.INFO, "Filter [{0}] drains unread request bodies with {1}", config.getFilterName(),
                configured.settings());
    }

    @Override
    public void destroy() {
        deadlines.close();
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
        String base = JMX_DOMAIN + ":type=BodyDrainFilter,context=" + ObjectName.quote(context.isEmpty() ? "/" : context)
                + ",name=" + ObjectName.quote(config.getFilterName());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            for (int instance = 1; ; instance++) {
                ObjectName name = new ObjectName(instance == 1 ? base : base + ",instance=" + instance);
                try {
                    server.registerMBean(stats, name);
                    return name;
                } catch (InstanceAlreadyExistsException taken) {
                    // Another server in this JVM has a filter of this name and context.
                }
            }
        } catch (JMException e) {
            throw new ServletException("Filter [" + config.getFilterName() + "]: init parameter [" + JMX_ENABLED_PARAM
                    + "] = [true] but its MBean cannot be registered: " + e, e);
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        DrainingRequest taken = takenEarlier(request);
        if (taken != null) {
            continueRequest(taken, request, response, chain);
            return;
        }
        if (!takesCharge(request) || excluded(request)) {
            chain.doFilter(request, response);
            return;
        }
        stats.sawBody();
        RequestDrain drain = new RequestDrain(drainer);
        DrainingResponse drainingResponse = new DrainingResponse(response, request, drain, container(response));
        DrainingRequest drainingRequest = new DrainingRequest(request, drainingResponse, drain);
        drain.bind(drainingRequest.body(), drainingResponse);
        boolean returned = false;
        try {
            chain.doFilter(drainingRequest, drainingResponse);
            returned = true;
        } finally {
            // Runs on success and on failure alike; the drain never throws, so an exception from
            // the chain leaves here unchanged.
            boolean async = request.isAsyncStarted();
            if (async || !returned || drainingResponse.errorSent()) {
                // An ASYNC or ERROR dispatch follows on the container's own request: it finds the
                // wrappers by this attribute. Set only then, as it costs the container an entry.
                request.setAttribute(DRAIN_ATTRIBUTE, drainingRequest);
            }
            if (!async && !(returned && drainedWithoutThread(request, response, drainingRequest))) {
                drain.atEnd();
            }
        }
    }

    /**
     * Whether the drain goes on without this thread: where the chain returned normally, the
     * response waits uncommitted in the container's buffer, and the body must still be read.
     */
    private boolean drainedWithoutThread(HttpServletRequest request, HttpServletResponse response,
            DrainingRequest drainingRequest) {
        Drainer current = drainer;
        RequestDrain drain = drainingRequest.drain();
        if (!current.settings().nonBlocking() || !AsyncDrain.applies(request, response, drain)) {
            return false;
        }
        if (drain.leavesTheUninvitedBody() && !response.isCommitted()) {
            try {
                response.flushBuffer(); // once it has gone out, reading invites nothing
            } catch (IOException clientGone) {
                return false;
            }
        }
        return drain.needsReading() && AsyncDrain.start(request, response, drainingRequest.body(), drain, deadlines,
                current.settings().timeoutMs());
    }

    /**
     * The wrappers of a request this filter already took charge of: under the request of a
     * FORWARD or INCLUDE, which wraps the application's, or by the attribute an ASYNC or ERROR
     * dispatch of the container's own request finds.
     */
    private static DrainingRequest takenEarlier(HttpServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper wrapper) {
            if (r instanceof DrainingRequest taken) {
                return taken;
            }
            r = wrapper.getRequest();
        }
        return request.getAttribute(DRAIN_ATTRIBUTE) instanceof DrainingRequest taken ? taken : null;
    }

    /**
     * A later dispatch of a request this filter already took charge of. Where the container hands
     * in its own request again (an ASYNC dispatch of {@code startAsync()}), the application gets
     * the wrappers again, so that this dispatch's reads and writes are seen too.
     */
    private static void continueRequest(DrainingRequest taken, HttpServletRequest request,
            HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        boolean own = taken.wrapsTheContainersRequest(request);
        try {
            chain.doFilter(own ? taken : request, own ? taken.response() : response);
        } finally {
            if (endsRequest(request)) {
                taken.drain().atEnd();
            }
        }
    }

    /**
     * The first dispatch of a request with a body takes charge of it, but an INCLUDE never does:
     * the including servlet still owns the response.
     */
    private static boolean takesCharge(HttpServletRequest request) {
        return hasBody(request) && request.getDispatcherType() != DispatcherType.INCLUDE;
    }

    private boolean excluded(HttpServletRequest request) {
        DrainSettings settings = drainer.settings();
        if (settings.excludedPaths().isEmpty()) {
            return false;
        }
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return settings.excludes(context != null && uri.startsWith(context) ? uri.substring(context.length()) : uri);
    }

    /** An ASYNC dispatch that returns without starting async processing again ends the request. */
    private static boolean endsRequest(HttpServletRequest request) {
        return request.getDispatcherType() == DispatcherType.ASYNC && !request.isAsyncStarted();
    }

    private static boolean hasBody(HttpServletRequest request) {
        if (request.getContentLengthLong() <= 0 && request.getHeader("Transfer-Encoding") == null) {
            return false;
        }
        // HTTP/2 and later reset a stream, not the connection: nothing to protect.
        String protocol = request.getProtocol();
        return protocol == null || !(protocol.startsWith("HTTP/2") || protocol.startsWith("HTTP/3"));
    }

    /** The container does not change under a filter: learnt from its first response. */
    private Container container(HttpServletResponse response) {
        Container known = container;
        if (known == null) {
            known = DrainingResponse.containerOf(response);
            container = known;
        }
        return known;
    }

    /**
     * Builds a filter in code, for containers and frameworks that register filter instances. Each
     * setter checks its value and throws {@link InvalidSettingException} naming the setting.
     */
    public static final class Builder {
        private final DrainSettings.Builder settings = DrainSettings.DEFAULTS.toBuilder();

        private Builder() {
        }

        /**
         * Sets the most body bytes drained per request.
         *
         * @param maxBytes at least 0; default {@value #DEFAULT_MAX_BYTES}
         * @return this builder
         * @throws InvalidSettingException for a value out of range
         */
        public Builder maxBytes(long maxBytes) {
            settings.maxBytes(maxBytes);
            return this;
        }

        /**
         * Sets the most time one drain may take.
         *
         * @param timeoutMs milliseconds, at least 1; default {@value #DEFAULT_TIMEOUT_MS}
         * @return this builder
         * @throws InvalidSettingException for a value out of range
         */
        public Builder timeoutMs(long timeoutMs) {
            settings.timeoutMs(timeoutMs);
            return this;
        }

        /**
         * Lets a drain left for the end of the request wait for the body without a thread.
         *
         * @param nonBlocking default true
         * @return this builder
         */
        public Builder nonBlocking(boolean nonBlocking) {
            settings.nonBlocking(nonBlocking);
            return this;
        }

        /**
         * Paths within the context that the filter leaves alone, each {@code /exact} or
         * {@code /prefix/*}: endpoints that stream their body or must never be drained.
         *
         * @param patterns the paths; none by default
         * @return this builder
         * @throws InvalidSettingException for a pattern of neither form
         */
        public Builder excludedPaths(String... patterns) {
            settings.excludedPaths(java.util.List.of(patterns));
            return this;
        }

        /**
         * Registers the counters as an MBean at init.
         *
         * @param jmxEnabled default false
         * @return this builder
         */
        public Builder jmxEnabled(boolean jmxEnabled) {
            settings.jmxEnabled(jmxEnabled);
            return this;
        }

        /** {@return a filter with these settings, ready for the container's {@code init}} */
        public BodyDrainFilter build() {
            return new BodyDrainFilter(settings.build());
        }
    }
}
