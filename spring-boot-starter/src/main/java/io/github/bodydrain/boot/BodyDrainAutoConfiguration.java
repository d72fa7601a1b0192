package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.InvalidSettingException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.MultipartConfigElement;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;


/**
 * Registers {@link BodyDrainFilter} in a servlet web application, by default ahead of every filter
 * that may answer without reading (security included), for the REQUEST, ASYNC and ERROR
 * dispatches. Works on Spring Boot 3.5 and 4: it uses only conditions both lines have.
 *
 * <p>Backs off when {@code body-drain.enabled=false}, or when the application registers the filter
 * itself: as a {@code BodyDrainFilter} bean or a {@code FilterRegistrationBean<BodyDrainFilter>}
 * (seen from the bean definitions), or in a registration whose declared type hides it, such as
 * {@code FilterRegistrationBean<Filter>} (seen when the servlet context starts; the starter's
 * registration then stays unregistered and says so at INFO).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({BodyDrainFilter.class, FilterRegistrationBean.class})
@ConditionalOnProperty(prefix = "body-drain", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(BodyDrainProperties.class)
public class BodyDrainAutoConfiguration {

    /** The registration's name, and the {@code filter} tag of the meters. */
    public static final String FILTER_NAME = "bodyDrain";

    /**
     * The default {@code body-drain.order}: just after Boot's {@code CharacterEncodingFilter}
     * ({@code HIGHEST_PRECEDENCE}) and its observation filter ({@code HIGHEST_PRECEDENCE + 1}),
     * which always pass the request on, and ahead of every filter that may answer without reading
     * the body, Spring Security's ({@code -100}) among them.
     */
    public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private static final Log LOG = LogFactory.getLog(BodyDrainAutoConfiguration.class);

    /** The budget over the largest upload the multipart limits accept: uploads a little over them are rejected too. */
    static final int MULTIPART_HEADROOM_PERCENT = 25;

    /**
     * {@return the starter's registration of the filter, at {@code body-drain.order}, for
     * {@code body-drain.dispatcher-types}}
     *
     * @param properties the {@code body-drain.*} properties
     * @param multipart Boot's multipart limits, where multipart is on
     * @param environment to tell an unset {@code body-drain.max-bytes} from its default
     * @param beans where the application's own registrations of the filter are found
     */
    @Bean
    @ConditionalOnMissingBean(value = BodyDrainFilter.class, parameterizedContainer = FilterRegistrationBean.class)
    public FilterRegistrationBean<BodyDrainFilter> bodyDrainFilterRegistration(BodyDrainProperties properties,
            ObjectProvider<MultipartConfigElement> multipart, Environment environment, ListableBeanFactory beans) {
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
        builder.jmxEnabled(properties.isJmxEnabled());
        List<String> excluded = properties.getExcludedPaths() == null ? List.of() : properties.getExcludedPaths();
        set("body-drain.excluded-paths", excluded, () -> builder.excludedPaths(excluded.toArray(String[]::new)));
        if (properties.getUrlPatterns() == null || properties.getUrlPatterns().isEmpty()) {
            throw new InvalidConfigurationPropertyValueException("body-drain.url-patterns",
                    properties.getUrlPatterns(), "Must name at least one URL pattern, such as /*.");
        }
        Set<DispatcherType> dispatches = properties.getDispatcherTypes();
        if (dispatches == null || !dispatches.contains(DispatcherType.REQUEST)) {
            throw new InvalidConfigurationPropertyValueException("body-drain.dispatcher-types", dispatches,
                    "Must include REQUEST: the filter drains what the application left at the request's end.");
        }
        FilterRegistrationBean<BodyDrainFilter> registration = new BackingOffRegistration(builder.build(), beans);
        registration.setName(FILTER_NAME);
        registration.setUrlPatterns(properties.getUrlPatterns());
        registration.setDispatcherTypes(EnumSet.copyOf(dispatches));
        registration.setOrder(properties.getOrder());
        registration.setAsyncSupported(true);
        return registration;
    }

    /**
     * The starter's registration, which stands down when the servlet context starts if the
     * application registers a {@code BodyDrainFilter} under a type the bean condition cannot see.
     */
    static final class BackingOffRegistration extends FilterRegistrationBean<BodyDrainFilter> {

        private final ListableBeanFactory beans;
        private Boolean enabled;

        BackingOffRegistration(BodyDrainFilter filter, ListableBeanFactory beans) {
            super(filter);
            this.beans = beans;
        }

        @Override
        public synchronized boolean isEnabled() {
            if (!super.isEnabled()) {
                return false;
            }
            if (enabled == null) {
                Map<String, BodyDrainFilter> own = RegisteredFilters.in(beans, this);
                enabled = own.isEmpty();
                if (!enabled) {
                    LOG.info("body-drain: the application registers BodyDrainFilter itself as " + own.keySet()
                            + "; the starter's registration " + FILTER_NAME + " stands down");
                }
            }
            return enabled;
        }
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
        BodyDrainMeterBinder bodyDrainMeterBinder(ListableBeanFactory beans) {
            return new BodyDrainMeterBinder(beans);
        }
    }
}
