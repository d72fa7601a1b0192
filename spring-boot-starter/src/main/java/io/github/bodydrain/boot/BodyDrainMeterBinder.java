package io.github.bodydrain.boot;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.DrainOutcome;
import io.github.bodydrain.DrainStats;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ListableBeanFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;


/**
 * The filter's counters as meters, each tagged with the filter's name, for every BodyDrainFilter
 * in the servlet context (the starter's, the application's own registrations and plain filter
 * beans):
 * <ul>
 * <li>{@code bodydrain.body.requests}: the requests with a body the filter saw, the denominator;</li>
 * <li>{@code bodydrain.requests}, tagged with the outcome (the {@link DrainOutcome#tag()} of each
 * outcome that had a body left to drain), and {@code bodydrain.bytes}, the bytes discarded;</li>
 * <li>{@code bodydrain.drain.time}, a timer, and {@code bodydrain.drain.size}, a distribution of
 * the bytes each drain discarded, both tagged with the outcome; Boot's
 * {@code management.metrics.distribution.*} properties add their histograms and percentiles.</li>
 * </ul>
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
            FunctionCounter.builder("bodydrain.body.requests", stats, DrainStats::getRequestsWithBody)
                    .description("Requests with a body the filter saw: the denominator of bodydrain.requests")
                    .tag("filter", name)
                    .register(registry);
            Map<DrainOutcome, Timer> times = new EnumMap<>(DrainOutcome.class);
            Map<DrainOutcome, DistributionSummary> sizes = new EnumMap<>(DrainOutcome.class);
            for (DrainOutcome outcome : DrainOutcome.values()) {
                if (outcome != DrainOutcome.NOTHING_LEFT) {
                    times.put(outcome, Timer.builder("bodydrain.drain.time")
                            .description("How long each drain took, by how it ended")
                            .tag("filter", name).tag("outcome", outcome.tag())
                            .register(registry));
                    sizes.put(outcome, DistributionSummary.builder("bodydrain.drain.size")
                            .description("Body bytes each drain read and discarded, by how it ended")
                            .baseUnit(BaseUnits.BYTES)
                            .tag("filter", name).tag("outcome", outcome.tag())
                            .register(registry));
                }
            }
            stats.observe((outcome, bytes, nanos) -> {
                times.get(outcome).record(nanos, TimeUnit.NANOSECONDS);
                sizes.get(outcome).record(bytes);
            });
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
