package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainOutcome;
import io.github.bodydrain.DrainStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ListableBeanFactory;


/**
 * The filter's counters as meters: {@code bodydrain.requests} tagged with the outcome (the
 * {@link DrainOutcome#tag()} of each outcome that had a body left to drain) and
 * {@code bodydrain.bytes}, each tagged with the filter's name: for every BodyDrainFilter in the
 * servlet context, the starter's, the application's own registrations and plain filter beans.
 */
public class BodyDrainMeterBinder implements MeterBinder {

    private final ListableBeanFactory beans;

    /** @param beans where the filters and their registrations are */
    public BodyDrainMeterBinder(ListableBeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        RegisteredFilters.in(beans, null).forEach((name, filter) -> {
            DrainStats stats = filter.getStats();
            for (DrainOutcome outcome : DrainOutcome.values()) {
                if (outcome != DrainOutcome.NOTHING_LEFT) {
                    requests(registry, name, stats, outcome);
                }
            }
            FunctionCounter.builder("bodydrain.bytes", stats, DrainStats::getDrainedBytes)
                    .description("Request body bytes read and discarded by the filter")
                    .baseUnit(BaseUnits.BYTES)
                    .tag("filter", name)
                    .register(registry);
        });
    }

    private static void requests(MeterRegistry registry, String name, DrainStats stats, DrainOutcome outcome) {
        FunctionCounter.builder("bodydrain.requests", stats, counted -> counted.count(outcome))
                .description("Requests with an unread body, by what the filter did with it")
                .tag("filter", name)
                .tag("outcome", outcome.tag())
                .register(registry);
    }
}
