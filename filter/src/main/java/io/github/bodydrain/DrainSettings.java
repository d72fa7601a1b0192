package io.github.bodydrain;

import java.util.List;

/**
 * The filter's settings: the one place where their names, defaults and ranges are written.
 * Immutable; every value is checked where it is set, by the {@link Builder}, and a bad one throws
 * {@link InvalidSettingException}, whether it came from code, {@code web.xml} or a property.
 */
final class DrainSettings {

    static final String MAX_BYTES = "maxBytes";
    static final String TIMEOUT_MS = "timeoutMs";
    static final String JMX_ENABLED = "jmxEnabled";
    static final String NON_BLOCKING = "nonBlocking";
    static final String EXCLUDED_PATHS = "excludedPaths";
    static final List<String> PARAMETERS = List.of(MAX_BYTES, TIMEOUT_MS, NON_BLOCKING, EXCLUDED_PATHS, JMX_ENABLED);

    /**
     * 256 MiB: about what a 1 Gbit/s link delivers in 2 s, well within {@link #DEFAULT_TIMEOUT_MS},
     * so a body that could not arrive in time at LAN speed is not read at all. It covers the uploads users reject (10 MB to 250 MB over limits of
     * 128 KB to 100 MB): behind a buffering nginx the body has reached the proxy before the
     * application sees the request, and its drain is a local copy (a rejected 100 MiB upload takes
     * 0.3 to 1 s end to end on loopback, see docs/RELIABILITY.md). Tomcat's own
     * {@code maxSwallowSize} is 2 MiB.
     */
    static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;

    /**
     * 5 000 ms, nginx's {@code lingering_timeout}. A rejected 100 MiB upload behind a buffering
     * nginx drains in 0.3 to 1 s, and four at once beside two busy processes on a two-core machine
     * in up to 1.4 s: 2 s would leave a slower machine little room, 5 s leaves it. A drain that
     * waits without a thread ends at this deadline to the millisecond, and costs a connection, not
     * a thread, until then; a drain on the request thread checks it after every read.
     */
    static final long DEFAULT_TIMEOUT_MS = 5_000;

    /** Keeps the deadline arithmetic in nanoseconds far from overflowing. */
    static final long MAX_TIMEOUT_MS = Long.MAX_VALUE / 4_000_000;

    /**
     * True: where the request supports async and the chain returned with the response uncommitted,
     * the drain waits for the body without a thread, and its deadline holds to the millisecond.
     */
    static final boolean DEFAULT_NON_BLOCKING = true;

    static final DrainSettings DEFAULTS = new DrainSettings(DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS,
            DEFAULT_NON_BLOCKING, List.of(), false);

    private final long maxBytes;
    private final long timeoutMs;
    private final boolean nonBlocking;
    private final List<String> excludedPaths;
    private final boolean jmxEnabled;

    private DrainSettings(long maxBytes, long timeoutMs, boolean nonBlocking, List<String> excludedPaths,
            boolean jmxEnabled) {
        this.maxBytes = maxBytes;
        this.timeoutMs = timeoutMs;
        this.nonBlocking = nonBlocking;
        this.excludedPaths = excludedPaths;
        this.jmxEnabled = jmxEnabled;
    }

    long maxBytes() {
        return maxBytes;
    }

    long timeoutMs() {
        return timeoutMs;
    }

    long timeoutNanos() {
        return timeoutMs * 1_000_000;
    }

    boolean nonBlocking() {
        return nonBlocking;
    }

    List<String> excludedPaths() {
        return excludedPaths;
    }

    /**
     * Whether the filter leaves requests to this path (within the context) alone: a pattern is an
     * exact path, or a prefix ending in {@code /*} that also matches the prefix itself, as a
     * servlet mapping does.
     */
    boolean excludes(String path) {
        for (String pattern : excludedPaths) {
            if (pattern.endsWith("/*")) {
                String prefix = pattern.substring(0, pattern.length() - 2);
                if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                    return true;
                }
            } else if (path.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    boolean jmxEnabled() {
        return jmxEnabled;
    }

    Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String toString() {
        return MAX_BYTES + " [" + maxBytes + "], " + TIMEOUT_MS + " [" + timeoutMs + "], " + NON_BLOCKING + " ["
                + nonBlocking + "], " + EXCLUDED_PATHS + " " + excludedPaths + ", " + JMX_ENABLED + " [" + jmxEnabled
                + "]";
    }

    /** Sets and checks one value at a time. */
    static final class Builder {
        private long maxBytes;
        private long timeoutMs;
        private boolean nonBlocking;
        private List<String> excludedPaths;
        private boolean jmxEnabled;

        private Builder(DrainSettings from) {
            this.maxBytes = from.maxBytes;
            this.timeoutMs = from.timeoutMs;
            this.nonBlocking = from.nonBlocking;
            this.excludedPaths = from.excludedPaths;
            this.jmxEnabled = from.jmxEnabled;
        }

        Builder maxBytes(long value) {
            if (value < 0) {
                throw new InvalidSettingException(MAX_BYTES, Long.toString(value), "must be at least 0");
            }
            maxBytes = value;
            return this;
        }

        Builder timeoutMs(long value) {
            if (value < 1 || value > MAX_TIMEOUT_MS) {
                throw new InvalidSettingException(TIMEOUT_MS, Long.toString(value),
                        "must be between 1 and " + MAX_TIMEOUT_MS);
            }
            timeoutMs = value;
            return this;
        }

        Builder nonBlocking(boolean value) {
            nonBlocking = value;
            return this;
        }

        /** Paths the filter leaves alone: each {@code /exact} or {@code /prefix/*}. */
        Builder excludedPaths(List<String> patterns) {
            for (String pattern : patterns) {
                String prefix = pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 1) : pattern;
                if (!pattern.startsWith("/") || prefix.contains("*")) {
                    throw new InvalidSettingException(EXCLUDED_PATHS, String.join(",", patterns),
                            "must list paths such as /exact or /prefix/*; [" + pattern + "] is neither");
                }
            }
            excludedPaths = List.copyOf(patterns);
            return this;
        }

        Builder jmxEnabled(boolean value) {
            jmxEnabled = value;
            return this;
        }

        /** Sets a value from its text, as an init parameter gives it; the error shows the text as given. */
        Builder set(String name, String text) {
            try {
                switch (name) {
                    case MAX_BYTES -> maxBytes(parseLong(text));
                    case TIMEOUT_MS -> timeoutMs(parseLong(text));
                    case NON_BLOCKING -> nonBlocking(parseBoolean(text));
                    case EXCLUDED_PATHS -> excludedPaths(parseList(text));
                    case JMX_ENABLED -> jmxEnabled(parseBoolean(text));
                    default -> throw new InvalidSettingException(name, text,
                            "is not a parameter of this filter; it takes " + PARAMETERS);
                }
            } catch (InvalidSettingException e) {
                throw new InvalidSettingException(name, text, e.problem());
            }
            return this;
        }

        private static long parseLong(String text) {
            try {
                return Long.parseLong(text == null ? "" : text.trim());
            } catch (NumberFormatException e) {
                throw new InvalidSettingException("", text, "is not a whole number");
            }
        }

        /** Comma- or whitespace-separated, as a list in {@code web.xml} is written. */
        private static List<String> parseList(String text) {
            String trimmed = text == null ? "" : text.trim();
            return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("[,\\s]+"));
        }

        private static boolean parseBoolean(String text) {
            String trimmed = text == null ? "" : text.trim();
            if (trimmed.equals("true") || trimmed.equals("false")) {
                return trimmed.equals("true");
            }
            throw new InvalidSettingException("", text, "must be true or false");
        }

        DrainSettings build() {
            return new DrainSettings(maxBytes, timeoutMs, nonBlocking, excludedPaths, jmxEnabled);
        }
    }
}
