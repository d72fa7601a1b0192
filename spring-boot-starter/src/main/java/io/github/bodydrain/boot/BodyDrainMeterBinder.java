package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import java.util.function.ToDoubleFunction;

/**
 * The filter's counters as meters: {@code bodydrain.requests} tagged with the outcome
 * ({@code drained}, {@code over_limit}, {@code timeout}, {@code error}, {@code expect_continue},
 * {@code committed}) and {@code bodydrain.bytes}, each tagged with the filter's name.
 */
public class BodyDrainMeterBinder implements MeterBinder {

    private final ObjectProvider<FilterRegistrationBean<BodyDrainFilter>> registrations;

    public BodyDrainMeterBinder(ObjectProvider<FilterRegistrationBean<BodyDrainFilter>> registrations) {
        this.registrations = registrations;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registrations.orderedStream().forEach(registration -> {
            String name = registration.getFilterName();
            DrainStats stats = registration.getFilter().getStats();
            requests(registry, name, stats, "drained", DrainStats::getDrainedRequests);
            requests(registry, name, stats, "over_limit", DrainStats::getSkippedOverLimit);
            requests(registry, name, stats, "timeout", DrainStats::getStoppedByTimeout);
            requests(registry, name, stats, "error", DrainStats::getStoppedByError);
            requests(registry, name, stats, "expect_continue", DrainStats::getSkippedExpectContinue);
            requests(registry, name, stats, "committed", DrainStats::getCommittedBeforeDrain);
            FunctionCounter.builder("bodydrain.bytes", stats, DrainStats::getDrainedBytes)
                    .description("Request body bytes read and discarded by the filter")
                    .baseUnit(BaseUnits.BYTES)
                    .tag("filter", name)
                    .register(registry);
        });
    }

    private static void requests(MeterRegistry registry, String name, DrainStats stats, String outcome,
            ToDoubleFunction<DrainStats> count) {
        FunctionCounter.builder("bodydrain.requests", stats, count)
                .description("Requests with an unread body, by what the filter did with it")
                .tag("filter", name)
                .tag("outcome", outcome)
                .register(registry);
    }
}
