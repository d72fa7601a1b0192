package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.InvalidSettingException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.util.List;


/**
 * Registers {@link BodyDrainFilter} in a servlet web application, outermost of all filters, for
 * the REQUEST, ASYNC and ERROR dispatches. Backs off when {@code body-drain.enabled=false} or the
 * application registers the filter itself (as a bean or in a {@link FilterRegistrationBean}).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({BodyDrainFilter.class, FilterRegistrationBean.class})
@ConditionalOnProperty(prefix = "body-drain", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(BodyDrainProperties.class)
public class BodyDrainAutoConfiguration {

    /** The registration's name, and the {@code filter} tag of the meters. */
    public static final String FILTER_NAME = "bodyDrain";

    private static final Log LOG = LogFactory.getLog(BodyDrainAutoConfiguration.class);

    /** The budget over the largest upload the multipart limits accept: uploads a little over them are rejected too. */
    static final int MULTIPART_HEADROOM_PERCENT = 25;

    /**
     * {@return the filter, first in the chain, for the request, async and error dispatches}
     *
     * @param properties the {@code body-drain.*} properties
     * @param multipart Boot's multipart limits, where multipart is on
     * @param environment to tell an unset {@code body-drain.max-bytes} from its default
     */
    @Bean
    @ConditionalOnMissingFilterBean(BodyDrainFilter.class)
    public FilterRegistrationBean<BodyDrainFilter> bodyDrainFilterRegistration(BodyDrainProperties properties,
            ObjectProvider<MultipartConfigElement> multipart, Environment environment) {
        BodyDrainFilter.Builder builder = BodyDrainFilter.builder();
        long maxBytes = properties.getMaxBytes() == null ? -1 : properties.getMaxBytes().toBytes();
        if (!environment.containsProperty("body-drain.max-bytes")) {
            maxBytes = coverUploads(maxBytes, multipart.getIfAvailable());
        }
        long budget = maxBytes;
        // The builder checks each value where it is set; its verdict is reported per property.
        set("body-drain.max-bytes", properties.getMaxBytes(), () -> builder.maxBytes(budget));
        set("body-drain.timeout", properties.getTimeout(),
                () -> builder.timeoutMs(properties.getTimeout() == null ? 0 : properties.getTimeout().toMillis()));
        builder.nonBlocking(properties.isNonBlocking());
        List<String> excluded = properties.getExcludedPaths() == null ? List.of() : properties.getExcludedPaths();
        set("body-drain.excluded-paths", excluded, () -> builder.excludedPaths(excluded.toArray(String[]::new)));
        if (properties.getUrlPatterns() == null || properties.getUrlPatterns().isEmpty()) {
            throw new InvalidConfigurationPropertyValueException("body-drain.url-patterns",
                    properties.getUrlPatterns(), "Must name at least one URL pattern, such as /*.");
        }
        FilterRegistrationBean<BodyDrainFilter> registration = new FilterRegistrationBean<>(builder.build());
        registration.setName(FILTER_NAME);
        registration.setUrlPatterns(properties.getUrlPatterns());
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
        // Outermost, so that it sees the responses of every other filter, security included.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.setAsyncSupported(true);
        return registration;
    }

    /**
     * An upload the multipart limits accept can still be refused (a 401, a 413 from the
     * application's own check): the budget covers the largest of them, with headroom, unless
     * {@code body-drain.max-bytes} is set (spring-boot#6669 asked this of Tomcat's swallow).
     */
    static long coverUploads(long maxBytes, MultipartConfigElement multipart) {
        if (multipart == null) {
            return maxBytes;
        }
        long largest = Math.max(multipart.getMaxRequestSize(), multipart.getMaxFileSize());
        if (largest <= 0 || largest > Long.MAX_VALUE / 200) {
            return maxBytes; // unlimited: nothing to cover with a byte budget
        }
        long covered = largest + largest * MULTIPART_HEADROOM_PERCENT / 100;
        if (covered <= maxBytes) {
            return maxBytes;
        }
        LOG.info("body-drain.max-bytes raised from " + maxBytes + " to " + covered + " bytes to cover the"
                + " largest upload spring.servlet.multipart accepts (" + largest + " bytes) with "
                + MULTIPART_HEADROOM_PERCENT + " % headroom; set body-drain.max-bytes to choose otherwise");
        return covered;
    }

    private static void set(String property, Object value, Runnable setter) {
        try {
            setter.run();
        } catch (InvalidSettingException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
        }
    }

    /** Meters for every BodyDrainFilter registration, when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Metrics {

        @Bean
        BodyDrainMeterBinder bodyDrainMeterBinder(ObjectProvider<FilterRegistrationBean<BodyDrainFilter>> registrations) {
            return new BodyDrainMeterBinder(registrations);
        }
    }
}
