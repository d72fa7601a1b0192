package io.github.bodydrain.it;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Keeps off the console what a container logs about an exception a test servlet throws on
 * purpose: its message ends with {@link #MARK}. Everything else is printed.
 */
public final class ExpectedByTheTest implements Filter {

    /** How a test servlet's deliberate exception ends its message. */
    public static final String MARK = "(expected by the test)";

    @Override
    public boolean isLoggable(LogRecord record) {
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().endsWith(MARK)) {
                return false;
            }
        }
        return true;
    }
}
