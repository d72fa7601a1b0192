package io.github.bodydrain;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * How one request's drain ended, and what follows from it: whether the connection is closed,
 * the level of its log line and the name of its meter tag. The counters in {@link DrainStats}
 * are kept per outcome.
 */
public enum DrainOutcome {
    /** There was nothing left to read. */
    NOTHING_LEFT(false, Level.TRACE),
    /** The rest of the body was read to its end. */
    DRAINED(false, Level.DEBUG),
    /** The remaining body was larger than {@code maxBytes}: not read, or cut short. */
    OVER_LIMIT(true, Level.DEBUG),
    /** The drain took longer than {@code timeoutMs}. */
    TIMEOUT(true, Level.DEBUG),
    /** A read failed: the client went away, or the body was malformed. */
    ERROR(true, Level.DEBUG),
    /**
     * {@code Expect: 100-continue}, the container had not invited the body and the application
     * never read it: nothing solicited, and nothing came. Where the drain could wait without a
     * thread, the response went out first and the body was awaited until the deadline; a body
     * the client sent anyway is {@link #DRAINED}.
     */
    EXPECT_CONTINUE(true, Level.DEBUG),
    /**
     * The response had already committed; what had arrived was read, and more was to come. The
     * connection cannot be marked for closing any more: its header has gone out.
     */
    COMMITTED(false, Level.DEBUG);

    private final boolean closesConnection;
    private final Level logLevel;
    private final String tag;

    DrainOutcome(boolean closesConnection, Level logLevel) {
        this.closesConnection = closesConnection;
        this.logLevel = logLevel;
        this.tag = name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return whether unread bytes may be left in the connection} The response then asks for
     * {@code Connection: close} (while it is not committed), so that no client reuses it.
     */
    public boolean closesConnection() {
        return closesConnection;
    }

    /** {@return the level of the drain's log line: never above DEBUG, so a drain never fills a log} */
    public Level logLevel() {
        return logLevel;
    }

    /** {@return the outcome's name for meters and reports: {@code over_limit} for {@link #OVER_LIMIT}} */
    public String tag() {
        return tag;
    }
}
