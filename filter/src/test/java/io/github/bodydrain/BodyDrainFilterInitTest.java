package io.github.bodydrain;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings, their validation at init, and logging (rule 9). */
class BodyDrainFilterInitTest {

    private final Logger julLogger = Logger.getLogger(BodyDrainFilter.class.getName());
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level previousLevel;

    @BeforeEach
    void captureLog() {
        previousLevel = julLogger.getLevel();
        julLogger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        julLogger.removeHandler(capture);
        julLogger.setLevel(previousLevel);
    }

    static FilterConfig config(Map<String, String> params) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "bodyDrain";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    @Test
    void defaultsAreThePublicConstants() throws ServletException {
        BodyDrainFilter filter = new BodyDrainFilter();
        filter.init(config(Map.of()));
        assertEquals(BodyDrainFilter.DEFAULT_MAX_BYTES, filter.getMaxBytes());
        assertEquals(BodyDrainFilter.DEFAULT_TIMEOUT_MS, filter.getTimeoutMs());
        assertEquals(256 * 1024 * 1024, BodyDrainFilter.DEFAULT_MAX_BYTES);
        assertFalse(filter.isJmxEnabled());
        assertTrue(BodyDrainFilter.builder().jmxEnabled(true).maxBytes(1).build().isJmxEnabled());
    }

    @Test
    void initParametersSetTheSettings() throws ServletException {
        BodyDrainFilter filter = new BodyDrainFilter();
        filter.init(config(FakeExchange.params("maxBytes", " 4096 ", "timeoutMs", "250")));
        assertEquals(4096, filter.getMaxBytes());
        assertEquals(250, filter.getTimeoutMs());
    }

    @Test
    void initParametersOverrideBuiltSettingsWhereGiven() throws ServletException {
        BodyDrainFilter filter = BodyDrainFilter.builder().maxBytes(10).timeoutMs(20).build();
        filter.init(config(FakeExchange.params("timeoutMs", "30")));
        assertEquals(10, filter.getMaxBytes());
        assertEquals(30, filter.getTimeoutMs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "maxBytes|-5|must be at least 0",
        "maxBytes|abc|is not a whole number",
        "maxBytes|''|is not a whole number",
        "maxBytes|2MB|is not a whole number",
        "timeoutMs|0|must be between 1 and",
        "timeoutMs|-1|must be between 1 and",
        "timeoutMs|99999999999999|must be between 1 and",
        "timeoutMs|1.5|is not a whole number",
        "maxbytes|100|is not a parameter of this filter",
        "jmxEnabled|yes|must be true or false",
        "jmxEnabled|TRUE|must be true or false",
    })
    void aBadValueStopsInitNamingFilterParameterAndValue(String name, String value, String why) {
        BodyDrainFilter filter = new BodyDrainFilter();
        ServletException e = assertThrows(ServletException.class,
                () -> filter.init(config(FakeExchange.params(name, value))));
        assertTrue(e.getMessage().startsWith("Filter [bodyDrain]: init parameter [" + name + "] = [" + value + "] "),
                e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals(BodyDrainFilter.DEFAULT_MAX_BYTES, filter.getMaxBytes(), "settings unchanged");
    }

    @Test
    void theBuilderRejectsOutOfRangeSettings() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BodyDrainFilter.builder().maxBytes(-1).build())
                .getMessage().contains("maxBytes [-1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BodyDrainFilter.builder().timeoutMs(0).build())
                .getMessage().contains("timeoutMs [0]"));
    }

    @Test
    void oneInfoLineAtInitWithTheEffectiveSettings() throws ServletException {
        julLogger.setLevel(Level.INFO);
        new BodyDrainFilter().init(config(FakeExchange.params("maxBytes", "4096")));
        assertEquals(1, records.size());
        LogRecord record = records.get(0);
        assertEquals(Level.INFO, record.getLevel());
        String message = java.text.MessageFormat.format(record.getMessage(), record.getParameters());
        assertEquals("Filter [bodyDrain] drains unread request bodies with maxBytes [4096], timeoutMs [5000],"
                + " nonBlocking [true], excludedPaths [], jmxEnabled [false]", message);
    }

    @Test
    void perRequestLinesOnlyAtDebugAndNeverTheBody() throws Exception {
        BodyDrainFilter filter = new BodyDrainFilter();
        julLogger.setLevel(Level.INFO);
        drainOneSecretBody(filter);
        assertTrue(records.isEmpty(), "nothing per request at INFO");

        julLogger.setLevel(Level.FINE);
        drainOneSecretBody(filter);
        assertEquals(1, records.size());
        assertEquals(Level.FINE, records.get(0).getLevel());
        String message = java.text.MessageFormat.format(records.get(0).getMessage(), records.get(0).getParameters());
        assertTrue(message.startsWith("Drain of [POST /upload] ended [DRAINED] after [6] bytes"), message);
        assertFalse(message.contains("secret"));
    }

    private static void drainOneSecretBody(BodyDrainFilter filter) throws Exception {
        FakeExchange exchange = FakeExchange.withBody(6);
        exchange.body = "secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        filter.doFilter(exchange.request(), exchange.response(), (request, response) -> { });
    }
}
