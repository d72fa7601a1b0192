package io.github.bodydrain.samples.boot;

import io.github.bodydrain.BodyDrainFilter;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;

/**
 * The filter registered by hand, for those who want it without the starter's auto-configuration
 * (the starter backs off when this bean exists). Active with the profile manual-registration.
 */
@Configuration(proxyBeanMethods = false)
@Profile("manual-registration")
public class BodyDrainConfiguration {

    @Bean
    public FilterRegistrationBean<BodyDrainFilter> bodyDrainFilter() {
        FilterRegistrationBean<BodyDrainFilter> registration = new FilterRegistrationBean<>(new BodyDrainFilter());
        registration.setName("bodyDrain");
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
        // After Boot's character-encoding and observation filters (HIGHEST_PRECEDENCE, + 1), which
        // always pass the request on; before every filter that may answer unread (Spring Security: -100).
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        registration.setAsyncSupported(true);
        // Validated when the container starts the filter: a bad value stops the application.
        registration.addInitParameter(BodyDrainFilter.MAX_BYTES_PARAM, "268435456");
        registration.addInitParameter(BodyDrainFilter.TIMEOUT_MS_PARAM, "5000");
        return registration;
    }
}
