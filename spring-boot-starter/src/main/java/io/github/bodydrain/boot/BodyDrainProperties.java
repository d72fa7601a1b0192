package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The {@code body-drain.*} properties. */
@ConfigurationProperties("body-drain")
public class BodyDrainProperties {

    /** Whether to register BodyDrainFilter in a servlet web application. */
    private boolean enabled = true;

    /**
     * The most body bytes drained per request; a larger unread body is not read, and the
     * connection is closed. The default is what 1 Gbit/s delivers in 2 s; when unset and the
     * multipart limits accept larger uploads, their largest plus 25 %.
     */
    private DataSize maxBytes = DataSize.ofBytes(BodyDrainFilter.DEFAULT_MAX_BYTES);

    /** The most time one drain may take; the default is nginx's lingering_timeout. */
    private Duration timeout = Duration.ofMillis(BodyDrainFilter.DEFAULT_TIMEOUT_MS);

    /**
     * Whether a drain left for the end of the request waits for the body without a thread (async,
     * non-blocking reads) where the request supports async.
     */
    private boolean nonBlocking = true;

    /** Paths within the context the filter leaves alone, each /exact or /prefix/*. */
    private List<String> excludedPaths = new ArrayList<>();

    /** The URL patterns the filter is mapped to. */
    private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

    /**
     * The filter's place among the servlet filters: just after Boot's character-encoding and
     * observation filters, ahead of Spring Security's.
     */
    private int order = BodyDrainAutoConfiguration.DEFAULT_ORDER;

    /**
     * The dispatches the filter sees; REQUEST is required. ASYNC and ERROR let it follow a
     * request into async processing and Boot's error page.
     */
    private Set<DispatcherType> dispatcherTypes = EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC,
            DispatcherType.ERROR);

    /** Whether the filter's counters are registered as an MBean (DrainStatsMXBean). */
    private boolean jmxEnabled;

    /** {@return whether to register the filter} */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether to register the filter */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return the most body bytes drained per request} */
    public DataSize getMaxBytes() {
        return maxBytes;
    }

    /** @param maxBytes the most body bytes drained per request */
    public void setMaxBytes(DataSize maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** {@return the most time one drain may take} */
    public Duration getTimeout() {
        return timeout;
    }

    /** @param timeout the most time one drain may take */
    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** {@return whether a drain may wait for the body without a thread} */
    public boolean isNonBlocking() {
        return nonBlocking;
    }

    /** @param nonBlocking whether a drain may wait for the body without a thread */
    public void setNonBlocking(boolean nonBlocking) {
        this.nonBlocking = nonBlocking;
    }

    /** {@return the paths the filter leaves alone} */
    public List<String> getExcludedPaths() {
        return excludedPaths;
    }

    /** @param excludedPaths the paths the filter leaves alone */
    public void setExcludedPaths(List<String> excludedPaths) {
        this.excludedPaths = excludedPaths;
    }

    /** {@return the URL patterns the filter is mapped to} */
    public List<String> getUrlPatterns() {
        return urlPatterns;
    }

    /** @param urlPatterns the URL patterns the filter is mapped to */
    public void setUrlPatterns(List<String> urlPatterns) {
        this.urlPatterns = urlPatterns;
    }

    /** {@return the filter's order among the servlet filters} */
    public int getOrder() {
        return order;
    }

    /** @param order the filter's order among the servlet filters */
    public void setOrder(int order) {
        this.order = order;
    }

    /** {@return the dispatches the filter sees} */
    public Set<DispatcherType> getDispatcherTypes() {
        return dispatcherTypes;
    }

    /** @param dispatcherTypes the dispatches the filter sees */
    public void setDispatcherTypes(Set<DispatcherType> dispatcherTypes) {
        this.dispatcherTypes = dispatcherTypes;
    }

    /** {@return whether the counters are registered as an MBean} */
    public boolean isJmxEnabled() {
        return jmxEnabled;
    }

    /** @param jmxEnabled whether the counters are registered as an MBean */
    public void setJmxEnabled(boolean jmxEnabled) {
        this.jmxEnabled = jmxEnabled;
    }
}
