package io.github.bodydrain;

import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opt-in MBean: registered at init, readable, gone at destroy. */
class BodyDrainFilterJmxTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static jakarta.servlet.FilterConfig jmxOn() {
        return BodyDrainFilterInitTest.config(Map.of(BodyDrainFilter.JMX_ENABLED_PARAM, "true"));
    }

    @Test
    void theCountersAreReadableAfterADrainedRequest() throws Exception {
        BodyDrainFilter filter = new BodyDrainFilter();
        filter.init(jmxOn());
        try {
            ObjectName name = filter.getObjectName();
            assertEquals(new ObjectName("io.github.bodydrain:type=BodyDrainFilter,context=\"/\",name=\"bodyDrain\""), name);

            FakeExchange exchange = FakeExchange.withBody(5000);
            filter.doFilter(exchange.request(), exchange.response(), (request, response) -> { });

            assertEquals(1L, server.getAttribute(name, "DrainedRequests"));
            assertEquals(5000L, server.getAttribute(name, "DrainedBytes"));
            assertEquals(0L, server.getAttribute(name, "StoppedByTimeout"));
        } finally {
            filter.destroy();
        }
    }

    @Test
    void destroyUnregisters() throws Exception {
        BodyDrainFilter filter = new BodyDrainFilter();
        filter.init(jmxOn());
        ObjectName name = filter.getObjectName();
        filter.destroy();
        assertFalse(server.isRegistered(name));
        assertNull(filter.getObjectName());
    }

    @Test
    void offByDefault() throws Exception {
        BodyDrainFilter filter = new BodyDrainFilter();
        filter.init(BodyDrainFilterInitTest.config(Map.of()));
        assertNull(filter.getObjectName());
        assertTrue(server.queryNames(new ObjectName("io.github.bodydrain:*"), null).isEmpty());
    }

    @Test
    void aSecondFilterOfTheSameNameAndContextGetsItsOwnName() throws Exception {
        BodyDrainFilter first = new BodyDrainFilter();
        BodyDrainFilter second = new BodyDrainFilter();
        first.init(jmxOn());
        try {
            second.init(jmxOn());
            assertEquals(new ObjectName("io.github.bodydrain:type=BodyDrainFilter,context=\"/\",name=\"bodyDrain\""
                    + ",instance=2"), second.getObjectName());
            FakeExchange exchange = FakeExchange.withBody(700);
            second.doFilter(exchange.request(), exchange.response(), (request, response) -> { });
            assertEquals(700L, server.getAttribute(second.getObjectName(), "DrainedBytes"));
            assertEquals(0L, server.getAttribute(first.getObjectName(), "DrainedBytes"));
        } finally {
            second.destroy();
            first.destroy();
        }
    }
}
