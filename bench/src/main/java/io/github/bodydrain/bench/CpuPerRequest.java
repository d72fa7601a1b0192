package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.it.TestServlets;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What the filter costs a real container in CPU time and allocation per request, where there is
 * nothing to drain: a body the servlet reads, and no body. Two instances of the container in this
 * process, both with the filter and one of them using it (which one changes every batch), are sent
 * rounds of one request each by a {@link LoadClient} on the other CPU, directly and through nginx
 * (also on the other CPU). Each batch is measured by the application threads' CPU time
 * ({@link ThreadCpu}) and gives a ratio; the ratio's interval is over the batches. Inside the
 * container, a filter in front of everything reads the request thread's CPU time and allocated
 * bytes around the rest of the chain.
 */
final class CpuPerRequest {

    static final int BATCHES = Integer.getInteger("bench.cpuBatches", 24);
    static final int WARMUP_BATCHES = 6;
    static final long BATCH_NANOS = 250_000_000L;
    static final int BODY_BYTES = 16 * 1024;

    /** One case: the container's CPU per request, with and without the filter, and what the request thread spent. */
    record Row(String container, String route, String request, double cpuWithoutMicros, double cpuWithMicros,
               Stats ratio, double threadWithoutMicros, double threadWithMicros, Stats threadRatio,
               double allocatedWithout, double allocatedWith) {
    }

    private CpuPerRequest() {
    }

    static List<Row> run(Supplier<ServerController> containers, LoadClient client) throws Exception {
        ServerController first = containers.get();
        ServerController second = containers.get();
        // Both instances have the filter, and which one uses it changes every batch: what differs
        // between two instances of a container (their threads, where their objects lie) then falls
        // on both sides alike.
        List<Meter> meters = List.of(new Meter(BodyDrainFilter.builder().build()),
                new Meter(BodyDrainFilter.builder().build()));
        int firstPort = first.start(meters.get(0), TestServlets.all());
        int secondPort = second.start(meters.get(1), TestServlets.all());
        List<Row> rows = new ArrayList<>();
        try (Nginx firstNginx = Nginx.start(firstPort, Nginx.Upstream.DEFAULT);
             Nginx secondNginx = Nginx.start(secondPort, Nginx.Upstream.DEFAULT)) {
            pinWithItsWorkers(firstNginx.pid());
            pinWithItsWorkers(secondNginx.pid());
            for (boolean direct : new boolean[] {true, false}) {
                for (boolean body : new boolean[] {true, false}) {
                    List<Integer> ports = direct ? List.of(firstPort, secondPort)
                            : List.of(firstNginx.port(), secondNginx.port());
                    rows.add(measure(first.name(), direct ? "direct" : "nginx", body, client, ports, meters));
                }
            }
        } finally {
            first.stop();
            second.stop();
        }
        return rows;
    }

    /** nginx runs on the load generator's CPU, master and workers alike. */
    private static void pinWithItsWorkers(long pid) throws Exception {
        ThreadCpu.pin(pid, Benchmarks.CLIENT_CPU);
        for (ProcessHandle worker : ProcessHandle.of(pid).orElseThrow().descendants().toList()) {
            ThreadCpu.pin(worker.pid(), Benchmarks.CLIENT_CPU);
        }
    }

    /**
     * Batches of rounds, each round one request to the instance with the filter and one to the
     * instance without, in turn: both are measured over the same moments, so that what the machine
     * does meanwhile falls on both alike.
     */
    private static Row measure(String container, String route, boolean body, LoadClient client, List<Integer> ports,
            List<Meter> meters) throws Exception {
        String method = body ? "POST" : "GET";
        int bodyBytes = body ? BODY_BYTES : 0;
        // Enough rounds per batch for about BATCH_NANOS, learnt from the warm-up.
        int rounds = 100;
        for (int batch = 0; batch < WARMUP_BATCHES; batch++) {
            long started = System.nanoTime();
            client.send(ports, method, "/read-all", bodyBytes, rounds);
            long perRound = Math.max(1, (System.nanoTime() - started) / rounds);
            rounds = (int) Math.max(50, Math.min(10_000, BATCH_NANOS / perRound));
        }
        List<Double> containerRatios = new ArrayList<>();
        List<Double> threadRatios = new ArrayList<>();
        double cpuWith = 0;
        double cpuWithout = 0;
        Meter.Reading withTotal = Meter.Reading.ZERO;
        Meter.Reading withoutTotal = Meter.Reading.ZERO;
        for (int batch = 0; batch < BATCHES; batch++) {
            Meter withMeter = meters.get(batch & 1);
            Meter withoutMeter = meters.get(1 - (batch & 1));
            withMeter.filtering = true;
            withoutMeter.filtering = false;
            for (int attempt = 0; ; attempt++) {
                Meter.Reading withBefore = withMeter.reading();
                Meter.Reading withoutBefore = withoutMeter.reading();
                ThreadCpu.Snapshot before = ThreadCpu.now();
                client.send(ports, method, "/read-all", bodyBytes, rounds);
                java.util.Map<String, Long> byGroup = ThreadCpu.now().since(before);
                if (byGroup == null && attempt < 5) {
                    continue; // a thread ended during the batch: its share is lost, measure again
                }
                if (byGroup == null) {
                    throw new IllegalStateException("threads kept ending during every batch");
                }
                long cpu = ThreadCpu.total(byGroup);
                Meter.Reading w = withMeter.reading().minus(withBefore);
                Meter.Reading wo = withoutMeter.reading().minus(withoutBefore);
                withTotal = withTotal.plus(w);
                withoutTotal = withoutTotal.plus(wo);
                // The filter's work is all on the request thread, inside the chain: the container's
                // CPU per request with it is the batch's mean plus half the difference, without it
                // the mean minus half.
                double mean = (double) cpu / (2.0 * rounds);
                double difference = w.cpuPerRequest() - wo.cpuPerRequest();
                cpuWith += mean + difference / 2;
                cpuWithout += mean - difference / 2;
                containerRatios.add((mean + difference / 2) / (mean - difference / 2));
                threadRatios.add(w.cpuPerRequest() / wo.cpuPerRequest());
                break;
            }
        }
        return new Row(container, route, body ? BODY_BYTES / 1024 + " KiB POST, read by the servlet" : "GET, no body",
                cpuWithout / BATCHES / 1e3, cpuWith / BATCHES / 1e3, Stats.of(containerRatios),
                withoutTotal.cpuPerRequest() / 1e3, withTotal.cpuPerRequest() / 1e3, Stats.of(threadRatios),
                withoutTotal.allocatedPerRequest(), withTotal.allocatedPerRequest());
    }

    /**
     * In front of everything in the container: the request thread's CPU time and allocated bytes
     * around the rest of the chain, the filter under test (while {@link #filtering}) and the servlet.
     */
    static final class Meter implements Filter {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        private final Filter filter;
        volatile boolean filtering;
        private final LongAdder requests = new LongAdder();
        private final LongAdder threadNanos = new LongAdder();
        private final LongAdder allocatedBytes = new LongAdder();

        /** What the meter has counted: requests, and their CPU time and allocation on the request thread. */
        record Reading(long requests, long threadNanos, long allocatedBytes) {
            static final Reading ZERO = new Reading(0, 0, 0);

            Reading minus(Reading before) {
                return new Reading(requests - before.requests, threadNanos - before.threadNanos,
                        allocatedBytes - before.allocatedBytes);
            }

            Reading plus(Reading other) {
                return new Reading(requests + other.requests, threadNanos + other.threadNanos,
                        allocatedBytes + other.allocatedBytes);
            }

            double cpuPerRequest() {
                return (double) threadNanos / requests;
            }

            double allocatedPerRequest() {
                return (double) allocatedBytes / requests;
            }
        }

        Reading reading() {
            return new Reading(requests.sum(), threadNanos.sum(), allocatedBytes.sum());
        }

        Meter(Filter filter) {
            this.filter = filter;
        }

        @Override
        public void init(FilterConfig config) throws ServletException {
            filter.init(config);
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (request.getDispatcherType() != DispatcherType.REQUEST) {
                pass(request, response, chain);
                return;
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes();
            long cpu = THREADS.getCurrentThreadCpuTime();
            try {
                pass(request, response, chain);
            } finally {
                threadNanos.add(THREADS.getCurrentThreadCpuTime() - cpu);
                allocatedBytes.add(THREADS.getCurrentThreadAllocatedBytes() - allocated);
                requests.increment();
            }
        }

        private void pass(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (!filtering) {
                chain.doFilter(request, response);
            } else {
                filter.doFilter(request, response, chain);
            }
        }

        @Override
        public void destroy() {
            filter.destroy();
        }
    }
}
