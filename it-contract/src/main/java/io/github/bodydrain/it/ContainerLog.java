package io.github.bodydrain.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what is logged through java.util.logging at WARNING and above while it is open:
 * everything Tomcat logs, and Jetty's log through SLF4J's JUL provider. While it is open the
 * log is the test's, which asserts on it: the console handlers are set aside, so that what a
 * test expects is not printed as well.
 */
public final class ContainerLog implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private final List<Handler> console = new ArrayList<>();

    public ContainerLog() {
        Logger root = Logger.getLogger("");
        for (Handler each : root.getHandlers()) {
            if (each instanceof ConsoleHandler) {
                console.add(each);
                root.removeHandler(each);
            }
        }
        root.addHandler(handler);
    }

    /** The exceptions the records carry. */
    public List<Throwable> thrown() {
        return records.stream().map(LogRecord::getThrown).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * The records that carry an exception, as "logger: message: exception", and where it was
     * thrown (its first frames), so that a failure names the code.
     */
    public List<String> exceptions() {
        return records.stream().filter(r -> r.getThrown() != null)
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + ": " + r.getThrown() + " at "
                        + java.util.Arrays.stream(r.getThrown().getStackTrace()).limit(8)
                                .map(StackTraceElement::toString)
                                .collect(java.util.stream.Collectors.joining(" < ")))
                .toList();
    }

    @Override
    public void close() {
        Logger root = Logger.getLogger("");
        root.removeHandler(handler);
        console.forEach(root::addHandler);
    }
}
