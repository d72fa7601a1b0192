package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.micrometer.core.instrument.MeterRegistry;
import com.jayway.jsonpath.JsonPath;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class BodyDrainAutoConfigurationTest {

    private static final long MB = 1024 * 1024;

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BodyDrainAutoConfiguration.class));

    @SuppressWarnings("unchecked")
    private static FilterRegistrationBean<BodyDrainFilter> registration(
            org.springframework.context.ApplicationContext context) {
        return context.getBean("bodyDrainFilterRegistration", FilterRegistrationBean.class);
    }

    @Test
    void registersTheFilterAheadOfSecurityWithTheDefaults() {
        web.run(context -> {
            FilterRegistrationBean<BodyDrainFilter> registration = registration(context);
            assertThat(registration.getFilterName()).isEqualTo("bodyDrain");
            assertThat(registration.isEnabled()).isTrue();
            // After CharacterEncodingFilter and the observation filter (no tie), before Spring Security.
            assertThat(registration.getOrder()).isEqualTo(BodyDrainAutoConfiguration.DEFAULT_ORDER)
                    .isGreaterThan(Ordered.HIGHEST_PRECEDENCE + 1).isLessThan(-100);
            assertThat(registration.getFilter().isJmxEnabled()).isFalse();
            assertThat(registration.isAsyncSupported()).isTrue();
            assertThat(registration.getUrlPatterns()).containsExactly("/*");
            assertThat(registration.determineDispatcherTypes())
                    .isEqualTo(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
            assertThat(registration.getFilter().getMaxBytes()).isEqualTo(BodyDrainFilter.DEFAULT_MAX_BYTES);
            assertThat(registration.getFilter().getTimeoutMs()).isEqualTo(BodyDrainFilter.DEFAULT_TIMEOUT_MS);
        });
    }

    @Test
    void propertiesConfigureTheFilter() {
        web.withPropertyValues("body-drain.max-bytes=4MB", "body-drain.timeout=3s",
                "body-drain.url-patterns=/api/*,/upload", "body-drain.non-blocking=false",
                "body-drain.excluded-paths=/api/stream/*,/api/echo").run(context -> {
            FilterRegistrationBean<BodyDrainFilter> registration = registration(context);
            assertThat(registration.getFilter().isNonBlocking()).isFalse();
            assertThat(registration.getFilter().getExcludedPaths()).containsExactly("/api/stream/*", "/api/echo");
            assertThat(registration.getFilter().getMaxBytes()).isEqualTo(4L * 1024 * 1024);
            assertThat(registration.getFilter().getTimeoutMs()).isEqualTo(3000);
            assertThat(registration.getUrlPatterns()).containsExactly("/api/*", "/upload");
        });
    }

    @Test
    void propertiesPlaceTheFilterAndPublishItsCounters() {
        web.withPropertyValues("body-drain.order=-5", "body-drain.dispatcher-types=request,error",
                "body-drain.jmx-enabled=true").run(context -> {
            FilterRegistrationBean<BodyDrainFilter> registration = registration(context);
            assertThat(registration.getOrder()).isEqualTo(-5);
            assertThat(registration.determineDispatcherTypes())
                    .isEqualTo(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR));
            assertThat(registration.getFilter().isJmxEnabled()).isTrue();
        });
    }

    @Test
    void dispatcherTypesWithoutRequestFailStartUpNamingTheProperty() {
        web.withPropertyValues("body-drain.dispatcher-types=async,error").run(context -> assertThat(context)
                .getFailure().rootCause()
                .hasMessageContaining("body-drain.dispatcher-types")
                .hasMessageContaining("Must include REQUEST"));
    }

    @Test
    void theBudgetCoversTheLargestUploadTheMultipartLimitsAccept(CapturedOutput output) {
        web.withBean(MultipartConfigElement.class, () -> new MultipartConfigElement("", MB, 300 * MB, 0))
                .run(context -> {
                    assertThat(registration(context).getFilter().getMaxBytes()).isEqualTo(300 * MB * 125 / 100);
                    assertThat(output).contains("body-drain.max-bytes raised from 268435456 to 393216000 bytes");
                });
    }

    @Test
    void anExplicitBudgetIsKeptWhateverTheMultipartLimits() {
        web.withBean(MultipartConfigElement.class, () -> new MultipartConfigElement("", MB, 10 * MB, 0))
                .withPropertyValues("body-drain.max-bytes=3MB")
                .run(context -> assertThat(registration(context).getFilter().getMaxBytes()).isEqualTo(3 * MB));
    }

    @Test
    void multipartLimitsBelowTheBudgetOrUnlimitedChangeNothing() {
        assertThat(BodyDrainAutoConfiguration.coverUploads(2 * MB, new MultipartConfigElement("", MB, MB, 0)))
                .isEqualTo(2 * MB);
        assertThat(BodyDrainAutoConfiguration.coverUploads(2 * MB, new MultipartConfigElement("", -1, -1, 0)))
                .isEqualTo(2 * MB);
        assertThat(BodyDrainAutoConfiguration.coverUploads(2 * MB, null)).isEqualTo(2 * MB);
        assertThat(BodyDrainAutoConfiguration.coverUploads(2 * MB, new MultipartConfigElement("", 4 * MB, -1, 0)))
                .isEqualTo(4 * MB * 125 / 100);
    }

    @Test
    void backsOffWhenDisabled() {
        web.withPropertyValues("body-drain.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void backsOffForTheApplicationsOwnRegistration() {
        web.withUserConfiguration(OwnRegistration.class).run(context -> {
            assertThat(context).hasSingleBean(FilterRegistrationBean.class);
            assertThat(context).hasBean("myBodyDrain").doesNotHaveBean("bodyDrainFilterRegistration");
        });
    }

    @Test
    void backsOffForTheApplicationsOwnFilterBean() {
        web.withBean(BodyDrainFilter.class, BodyDrainFilter::new)
                .run(context -> assertThat(context).doesNotHaveBean("bodyDrainFilterRegistration"));
    }

    /** The declared type hides the filter from the bean condition: the registration stands down at start. */
    @Test
    void standsDownForARegistrationWhoseTypeHidesTheFilter(CapturedOutput output) {
        web.withUserConfiguration(HiddenRegistration.class).run(context -> {
            assertThat(registration(context).isEnabled()).isFalse();
            assertThat(output).contains("the application registers BodyDrainFilter itself as [hidden]");
        });
    }

    @Test
    void standsDownForAFilterBeanDeclaredAsAFilter() {
        web.withUserConfiguration(FilterDeclaredAsFilter.class)
                .run(context -> assertThat(registration(context).isEnabled()).isFalse());
    }

    @Test
    void anotherDisabledRegistrationLeavesTheStartersOn() {
        web.withUserConfiguration(DisabledRegistration.class)
                .run(context -> assertThat(registration(context).isEnabled()).isTrue());
    }

    @Test
    void doesNothingWithoutTheFilterOnTheClassPath() {
        web.withClassLoader(new FilteredClassLoader(BodyDrainFilter.class))
                .run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void doesNothingOutsideAServletWebApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BodyDrainAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void aNegativeMaxBytesFailsStartUpNamingTheProperty() {
        web.withPropertyValues("body-drain.max-bytes=-1B").run(context -> assertThat(context)
                .getFailure().rootCause()
                .hasMessage("Property body-drain.max-bytes with value '-1B' is invalid: maxBytes [-1] must be at least 0"));
    }

    @Test
    void anExcludedPathThatIsNoPathFailsStartUpNamingTheProperty() {
        web.withPropertyValues("body-drain.excluded-paths=/ok,api/*").run(context -> assertThat(context)
                .getFailure().rootCause()
                .hasMessageContaining("body-drain.excluded-paths")
                .hasMessageContaining("[api/*] is neither"));
    }

    @Test
    void aZeroTimeoutFailsStartUpNamingTheProperty() {
        web.withPropertyValues("body-drain.timeout=0s").run(context -> assertThat(context)
                .getFailure().rootCause()
                .hasMessageContaining("body-drain.timeout")
                .hasMessageContaining("must be between 1 and"));
    }

    @Test
    void anUnreadableSizeFailsStartUpNamingTheProperty() {
        web.withPropertyValues("body-drain.max-bytes=lots").run(context -> assertThat(context)
                .getFailure().hasStackTraceContaining("Failed to bind properties under 'body-drain.max-bytes'"));
    }

    @Test
    void noUrlPatternFailsStartUp() {
        web.withPropertyValues("body-drain.url-patterns=").run(context -> assertThat(context)
                .getFailure().rootCause().hasMessageContaining("body-drain.url-patterns"));
    }

    @Test
    void metersForEveryOutcome() {
        web.run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(BodyDrainMeterBinder.class).bindTo(registry);
            for (String outcome : List.of("drained", "over_limit", "timeout", "error", "expect_continue", "committed")) {
                assertThat(registry.get("bodydrain.requests").tag("outcome", outcome).tag("filter", "bodyDrain")
                        .functionCounter().count()).isZero();
                assertThat(registry.get("bodydrain.drain.time").tag("outcome", outcome).timer().count()).isZero();
                assertThat(registry.get("bodydrain.drain.size").tag("outcome", outcome).summary().count()).isZero();
            }
            assertThat(registry.get("bodydrain.bytes").functionCounter().count()).isZero();
            assertThat(registry.get("bodydrain.body.requests").functionCounter().count()).isZero();
        });
    }

    @Test
    void metersForTheApplicationsOwnRegistrationToo() {
        web.withUserConfiguration(OwnRegistration.class).run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(BodyDrainMeterBinder.class).bindTo(registry);
            assertThat(registry.get("bodydrain.bytes").tag("filter", "mine").functionCounter()).isNotNull();
        });
    }

    @Test
    void metersForAPlainFilterBeanUnderItsBeanName() {
        web.withBean("drainingFilter", BodyDrainFilter.class, BodyDrainFilter::new).run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(BodyDrainMeterBinder.class).bindTo(registry);
            assertThat(registry.get("bodydrain.bytes").tag("filter", "drainingFilter").functionCounter()).isNotNull();
        });
    }

    @Test
    void metersForAHiddenRegistrationAndNoneForTheOneThatStoodDown() {
        web.withUserConfiguration(HiddenRegistration.class).run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(BodyDrainMeterBinder.class).bindTo(registry);
            assertThat(registry.find("bodydrain.bytes").meters()).hasSize(1);
            assertThat(registry.get("bodydrain.bytes").tag("filter", "hidden").functionCounter()).isNotNull();
        });
    }

    @Test
    void noMetersWithoutMicrometer() {
        web.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
            assertThat(context).hasBean("bodyDrainFilterRegistration");
            assertThat(context).doesNotHaveBean(BodyDrainMeterBinder.class);
        });
    }

    @Test
    void configurationMetadataDescribesEveryProperty() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"body-drain.enabled\"", "\"body-drain.max-bytes\"",
                    "\"body-drain.timeout\"", "\"body-drain.url-patterns\"", "The most time one drain may take");
        }
    }

    /**
     * Each default in the configuration metadata, bound as a user would set it, gives the
     * properties' own default: the metadata cannot drift from the code.
     */
    @Test
    void configurationMetadataGivesTheDefaultsTheCodeHas() throws IOException {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Map<String, Object>> properties = JsonPath.read(metadata, "$.properties[?(@.defaultValue)]");
        Map<String, String> defaults = new HashMap<>();
        properties.forEach(property -> {
            Object value = property.get("defaultValue");
            defaults.put((String) property.get("name"),
                    value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
                            : String.valueOf(value));
        });
        assertThat(defaults).containsOnlyKeys("body-drain.enabled", "body-drain.max-bytes", "body-drain.timeout",
                "body-drain.non-blocking", "body-drain.url-patterns", "body-drain.order",
                "body-drain.dispatcher-types", "body-drain.jmx-enabled");
        BodyDrainProperties bound = new Binder(new MapConfigurationPropertySource(defaults))
                .bind("body-drain", BodyDrainProperties.class).get();
        assertThat(bound).usingRecursiveComparison().isEqualTo(new BodyDrainProperties());
    }

    @Configuration(proxyBeanMethods = false)
    static class HiddenRegistration {
        @Bean
        FilterRegistrationBean<Filter> hidden() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(new BodyDrainFilter());
            registration.setName("hidden");
            return registration;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FilterDeclaredAsFilter {
        @Bean
        Filter drains() {
            return new BodyDrainFilter();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class DisabledRegistration {
        @Bean
        FilterRegistrationBean<Filter> switchedOff() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(new BodyDrainFilter());
            registration.setEnabled(false);
            return registration;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRegistration {
        @Bean
        FilterRegistrationBean<BodyDrainFilter> myBodyDrain() {
            FilterRegistrationBean<BodyDrainFilter> registration = new FilterRegistrationBean<>(new BodyDrainFilter());
            registration.setName("mine");
            return registration;
        }
    }
}
