package io.github.bodydrain.it;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what is logged through java.util.logging at WARNING and above while it is open:
 * everything Tomcat logs. (Jetty logs through SLF4J, which has no provider in these tests.)
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

    public ContainerLog() {
        Logger.getLogger("").addHandler(handler);
    }

    /** The exceptions the records carry. */
    public List<Throwable> thrown() {
        return records.stream().map(LogRecord::getThrown).filter(java.util.Objects::nonNull).toList();
    }

    /** The records that carry an exception, as "logger: message: exception". */
    public List<String> exceptions() {
        return records.stream().filter(r -> r.getThrown() != null)
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + ": " + r.getThrown())
                .toList();
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }
}
