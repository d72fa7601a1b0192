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
    static final List<String> PARAMETERS = List.of(MAX_BYTES, TIMEOUT_MS, JMX_ENABLED);

    /**
     * 2 MiB: the same as Tomcat's {@code maxSwallowSize} and Undertow's drain limit, so the filter
     * tolerates what those containers already tolerate, and twice nginx's default
     * {@code client_max_body_size} (1 MiB), so behind a default nginx every body fits. Draining
     * before the commit costs the time to receive the body, which behind a buffering proxy
     * arrives at LAN speed: about 2 ms for 2 MiB on loopback.
     */
    static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024;

    /**
     * 2 000 ms, as gunicorn's graceful close. Long enough for 2 MiB at 8 Mbit/s; a client slower
     * than that holds a request thread for no more than this, where nginx's discard allows 5 s
     * per read and 30 s in all.
     */
    static final long DEFAULT_TIMEOUT_MS = 2_000;

    /** Keeps the deadline arithmetic in nanoseconds far from overflowing. */
    static final long MAX_TIMEOUT_MS = Long.MAX_VALUE / 4_000_000;

    static final DrainSettings DEFAULTS = new DrainSettings(DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, false);

    private final long maxBytes;
    private final long timeoutMs;
    private final boolean jmxEnabled;

    private DrainSettings(long maxBytes, long timeoutMs, boolean jmxEnabled) {
        this.maxBytes = maxBytes;
        this.timeoutMs = timeoutMs;
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

    boolean jmxEnabled() {
        return jmxEnabled;
    }

    Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String toString() {
        return MAX_BYTES + " [" + maxBytes + "], " + TIMEOUT_MS + " [" + timeoutMs + "], " + JMX_ENABLED + " ["
                + jmxEnabled + "]";
    }

    /** Sets and checks one value at a time. */
    static final class Builder {
        private long maxBytes;
        private long timeoutMs;
        private boolean jmxEnabled;

        private Builder(DrainSettings from) {
            this.maxBytes = from.maxBytes;
            this.timeoutMs = from.timeoutMs;
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

        private static boolean parseBoolean(String text) {
            String trimmed = text == null ? "" : text.trim();
            if (trimmed.equals("true") || trimmed.equals("false")) {
                return trimmed.equals("true");
            }
            throw new InvalidSettingException("", text, "must be true or false");
        }

        DrainSettings build() {
            return new DrainSettings(maxBytes, timeoutMs, jmxEnabled);
        }
    }
}
