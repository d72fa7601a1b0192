package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import io.github.bodydrain.it.Nginx;
import io.github.bodydrain.it.ServerController;
import io.github.bodydrain.jetty.JettyController;
import io.github.bodydrain.tomcat.TomcatController;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.profile.GCProfiler;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.LogManager;

/**
 * Runs every benchmark, side by side and in one run, and writes docs/BENCHMARKS.md: the JMH fast
 * paths, CPU and allocation per request in Jetty and Tomcat, the drain against the servlet's own
 * read and a socket loop, wrk through nginx, and silent uploads. Bounded: about 10 minutes.
 */
public final class Benchmarks {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final int WRK_SECONDS = Integer.getInteger("bench.wrkSeconds", 6);
    private static final int WRK_RUNS = 2;
    /** Where the containers run while CPU time is measured, and where the load generator and nginx run. */
    static final String CONTAINER_CPU = "0";
    static final String CLIENT_CPU = "1";

    /** What repeated runs on the project's 2-core machine showed: how far each kind of figure can be trusted. */
    private static final String PRECISION = """
            ## What is stable here, and to what precision

            Each ratio above carries its own interval from this run. Across runs on this machine (2 shared \
            virtual cores with steal time, no hardware counters):
            - Allocation per request in a real container (section 2) repeats to within a few tens of bytes; in JMH \
            (section 1) it is exact within a fork but has differed by one object between forks (168 or 208 B \
            on the body path), which we take to be the JIT's escape analysis removing an object in one fork \
            and not in the other (not verified).
            - Container CPU ratios through nginx (section 2) repeat to within about 0.5 to 1 %, with intervals under 1 %; \
            direct, where a request costs the container less, intervals are 1 to 6 % wide and the ratios move \
            by as much between runs.
            - Request-thread ratios (section 2) are the filter's share of a short stretch of work and move by \
            several per cent; the microseconds behind them are the figure to read.
            - Drain / servlet (section 3) moves by up to 15 % between runs, in both directions, for both \
            containers: a batch of 400 MiB is about a third of a second of CPU, short against the machine's \
            noise.
            - Requests per second under wrk (section 4) move by about 10 % between runs: nginx, wrk and the \
            container share the two cores, so they measure the scheduler as much as the filter. Failures and \
            resets are exact.
            - Silent uploads (section 5): served or not is stable; the latencies are indicative only.

            """;

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        try (InputStream config = Benchmarks.class.getResourceAsStream("/logging.properties")) {
            LogManager.getLogManager().readConfiguration(config);
        }
        Path out = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
        long started = System.nanoTime();
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n")
                .append("Made by `bin/bench` on ").append(LocalDate.now()).append(": ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append(", ").append(nginxVersion()).append(", ")
                .append(new JettyController().name()).append(", ").append(new TomcatController().name())
                .append(". The machine is shared and noisy: the figures that matter are the ratios, each measured ")
                .append("side by side in the same run.\n\n");

        // -Dbench.only=fast|cpu|limit|load|silent runs one part, for a quick look; the page needs all five.
        String only = System.getProperty("bench.only", "");
        if (only.isEmpty() || only.equals("fast")) {
            fastPaths(md);
        }
        if (only.isEmpty() || only.equals("cpu") || only.equals("limit")) {
            pinned(md, only);
        }
        if (only.isEmpty() || only.equals("load")) {
            load(md);
        }
        if (only.isEmpty() || only.equals("silent")) {
            silentUploads(md);
        }

        if (only.isEmpty()) {
            md.append(PRECISION);
        }
        md.append("Whole run: ").append((System.nanoTime() - started) / 1_000_000_000).append(" s.\n");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md);
        System.out.println(md);
        System.out.println("bin/bench: wrote " + out);
    }

    private static void silentUploads(StringBuilder md) throws Exception {
        List<SilentUploads.Row> rows = new ArrayList<>();
        rows.addAll(SilentUploads.run(JettyController::new));
        rows.addAll(SilentUploads.run(TomcatController::new));
        md.append("## 5. A thousand silent uploads\n\n")
                .append("`SilentUploads`: ").append(SilentUploads.SILENT).append(" connections send the head of a")
                .append(" 1 MiB POST and then nothing, to a servlet that answers 401 without reading; the container")
                .append(" has ").append(SilentUploads.THREADS).append(" request threads and a ")
                .append(SilentUploads.READ_TIMEOUT.toSeconds()).append(" s read timeout, the filter its defaults")
                .append(" (`timeoutMs` ").append(BodyDrainFilter.DEFAULT_TIMEOUT_MS).append("). Meanwhile, for ").append(SilentUploads.NORMAL_MILLIS / 1000)
                .append(" s, normal GETs one after the other, each on its own connection and given ")
                .append(SilentUploads.NORMAL_TIMEOUT_MS).append(" ms.\n\n")
                .append(SilentUploads.table(rows)).append("\n")
                .append("Without a thread, each silent upload costs a connection until the deadline and no request")
                .append(" thread, so the normal requests keep being served. On the request thread, the drain of a")
                .append(" silent client blocks in a read until the container's read timeout, and sixteen of them")
                .append(" take every thread; Tomcat without the filter does the same in its own swallow (up to 2 MiB),")
                .append(" Jetty without it reads nothing and closes at once.\n\n");
    }

    private static void fastPaths(StringBuilder md) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(FilterFastPath.class.getName())
                .forks(2)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .addProfiler(GCProfiler.class)
                .build()).run();
        md.append("## 1. The fast paths (JMH)\n\n")
                .append("`FilterFastPath`: the filter's `doFilter` around a servlet, against the servlet alone, with ")
                .append("request and response stand-ins whose methods are plain field reads. Median of 10 iterations ")
                .append("(2 forks x 5 x 1 s, after 3 warm-up iterations), allocation from `-prof gc`.\n\n")
                .append("| Request | Without filter | With filter | Filter's cost | Allocated without | Allocated with |\n")
                .append("|---|---|---|---|---|---|\n");
        double worstCost = 0;
        for (String length : List.of("0", "1000")) {
            RunResult without = find(results, "withoutFilter", length);
            RunResult with = find(results, "withFilter", length);
            double nsWithout = medianScore(without);
            double nsWith = medianScore(with);
            worstCost = Math.max(worstCost, nsWith - nsWithout);
            md.append(String.format(Locale.ROOT, "| %s | %.1f ns | %.1f ns | %+.1f ns | %.0f B | %.0f B |%n",
                    length.equals("0") ? "no body" : "1000 B body, read by the servlet",
                    nsWithout, nsWith, nsWith - nsWithout, allocated(without), allocated(with)));
        }
        md.append("\nTarget: tens of nanoseconds, and at most one allocation beyond the wrappers. Where there is")
                .append(" no body the filter wraps nothing and allocates nothing. Where there is one it allocates")
                .append(" the request and response wrappers, the wrapper of the container's input stream that counts")
                .append(" the application's reads (the application and the drain both read through it), and one")
                .append(" object for the request's drain, which is its own lock; the container keeps nothing for")
                .append(" the filter unless an ASYNC or ERROR dispatch can follow. The stand-ins allocate nothing")
                .append(" themselves, so the figure is the filter's alone.")
                .append(worstCost < 100 ? " Time: met." : " Time: missed; against stand-ins whose methods are field"
                        + " reads, the cost is the filter's calls through three wrappers and its four allocations, and"
                        + " section 2 measures what that costs a real container.")
                .append("\n\n");
    }

    private static RunResult find(Collection<RunResult> results, String method, String length) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method)
                        && r.getParams().getParam("contentLength").equals(length))
                .findFirst().orElseThrow();
    }

    private static double medianScore(RunResult result) {
        List<Double> scores = new ArrayList<>();
        for (var benchmark : result.getBenchmarkResults()) {
            for (IterationResult iteration : benchmark.getIterationResults()) {
                scores.add(iteration.getPrimaryResult().getScore());
            }
        }
        scores.sort(Double::compare);
        int middle = scores.size() / 2;
        return scores.size() % 2 == 1 ? scores.get(middle) : (scores.get(middle - 1) + scores.get(middle)) / 2;
    }

    private static double allocated(RunResult result) {
        for (var entry : result.getSecondaryResults().entrySet()) {
            if (entry.getKey().endsWith("gc.alloc.rate.norm")) {
                Result<?> value = entry.getValue();
                return value.getScore();
            }
        }
        return Double.NaN;
    }

    /**
     * The parts measured in CPU time: this process (the containers) on one CPU, the load generator
     * and nginx on the other, so that neither's work is counted as the other's.
     */
    private static void pinned(StringBuilder md, String only) throws Exception {
        ThreadCpu.pin(CONTAINER_CPU);
        try (LoadClient client = LoadClient.start(CLIENT_CPU)) {
            if (only.isEmpty() || only.equals("cpu")) {
                cpuPerRequest(md, client);
            }
            if (only.isEmpty() || only.equals("limit")) {
                drainLimit(md, client);
            }
        } finally {
            ThreadCpu.pin(ThreadCpu.allCpus());
        }
    }

    private static void cpuPerRequest(StringBuilder md, LoadClient client) throws Exception {
        List<CpuPerRequest.Row> rows = new ArrayList<>();
        rows.addAll(CpuPerRequest.run(JettyController::new, client));
        rows.addAll(CpuPerRequest.run(TomcatController::new, client));
        md.append("## 2. CPU and allocation per request, where there is nothing to drain\n\n")
                .append("`CpuPerRequest`: two instances of the container in one JVM pinned to CPU ").append(CONTAINER_CPU)
                .append(", both with the filter (its defaults), one of them using it, which one changing every")
                .append(" batch so that what differs between two instances falls on both sides; a load generator in its own JVM and")
                .append(" nginx (default upstream settings: a new upstream connection per request) pinned to CPU ")
                .append(CLIENT_CPU).append(". The generator sends rounds of one request to each instance, in an order")
                .append(" that turns every round, one after the other on a keep-alive connection each, so that both")
                .append(" are measured over the same moments: ").append(CpuPerRequest.BATCHES)
                .append(" batches of rounds, about ").append(CpuPerRequest.BATCH_NANOS / 1_000_000)
                .append(" ms each, after ").append(CpuPerRequest.WARMUP_BATCHES).append(" of warm-up.\n\n")
                .append("- *Request thread*: a filter in front of everything in the container reads the request")
                .append(" thread's CPU time and allocated bytes (`ThreadMXBean`) around the rest of the chain: the")
                .append(" filter under test and the servlet, which reads the body with `InputStream.transferTo`.")
                .append(" Where there is nothing to drain, that is all the filter does.\n")
                .append("- *Container*: the JVM's Java threads (acceptors, selectors, request threads), summed")
                .append(" from the thread CPU clock (`ThreadMXBean`, nanoseconds) for each batch; garbage collection")
                .append(" and JIT threads are left out (allocation is shown instead). A batch holds both instances, so")
                .append(" the filter's share is the request threads' difference: with = mean + difference / 2,")
                .append(" without = mean - difference / 2.\n\n")
                .append("Each ratio is the mean of the batches' ratios, with its 95 % interval (Student's t) and the")
                .append(" interval's width.\n\n")
                .append("| Container | Route | Request | Container CPU without | with | Ratio [95 % interval] | Width")
                .append(" | Request thread without | with | Ratio [95 % interval] | Allocated without | with | Filter allocates |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (CpuPerRequest.Row row : rows) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %.1f us | %.1f us | %s | %.2f %% | %.2f us | %.2f us | %s | %.0f B | %.0f B | %+.0f B |%n",
                    row.container(), row.route(), row.request(), row.cpuWithoutMicros(), row.cpuWithMicros(),
                    row.ratio().ratio(), row.ratio().widthPercent(), row.threadWithoutMicros(),
                    row.threadWithMicros(), row.threadRatio().ratio(), row.allocatedWithout(), row.allocatedWith(),
                    row.allocatedWith() - row.allocatedWithout()));
        }
        md.append("\n").append(cpuVerdict(rows)).append("\n\n");
    }

    private static void drainLimit(StringBuilder md, LoadClient client) throws Exception {
        List<DrainLimit.Row> rows = new ArrayList<>();
        rows.addAll(DrainLimit.run(JettyController::new, client));
        rows.addAll(DrainLimit.run(TomcatController::new, client));
        md.append("## 3. The drain against the physical limit\n\n")
                .append("`DrainLimit`: bytes of body got rid of per CPU-second of the container JVM (pinned as in")
                .append(" section 2, the sender on the other CPU), three ways in alternating batches of about ")
                .append(DrainLimit.BYTES_PER_BATCH / DrainLimit.MIB).append(" MiB of bodies each, ")
                .append(DrainLimit.BATCHES).append(" batches a way, after one of warm-up: the filter draining a body")
                .append(" the servlet ignores (its defaults: without a thread, after the response); the servlet")
                .append(" reading the body itself (`InputStream.transferTo`, 8 KiB) with no filter; and a plain")
                .append(" socket read loop (8 KiB buffer, a thread per connection) in the same JVM, the least any")
                .append(" server spends on those bytes. Ratios are the mean of the batches' ratios with their 95 %")
                .append(" interval.\n\n")
                .append("| Container | Body | Filter drains | Servlet reads | Socket loop | Drain / servlet [95 % interval]")
                .append(" | Servlet / socket [95 % interval] |\n|---|---|---|---|---|---|---|\n");
        for (DrainLimit.Row row : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %d MiB | %.2f GB/s | %.2f GB/s | %.2f GB/s | %s | %s |%n",
                    row.container(), row.bodyBytes() / DrainLimit.MIB, row.drainRate() / 1e9, row.readRate() / 1e9,
                    row.socketRate() / 1e9, row.drainOverRead().ratio(), row.readOverSocket().ratio()));
        }
        md.append("\n").append(drainVerdict(rows)).append("\n\n");
    }

    /** The targets of section 2, case by case: met, missed, or not told apart from the noise. */
    private static String cpuVerdict(List<CpuPerRequest.Row> rows) {
        StringBuilder verdict = new StringBuilder("Targets: with a body the servlet reads, a CPU ratio of at most ")
                .append("1.01; with no body, a ratio indistinguishable from 1.00; each interval narrower than 1 %.");
        for (CpuPerRequest.Row row : rows) {
            Stats ratio = row.ratio();
            boolean body = row.request().contains("POST");
            String met;
            if (body) {
                met = ratio.mean() + ratio.halfWidth() <= 1.01 ? "met (the whole interval is at most 1.01)"
                        : ratio.mean() - ratio.halfWidth() > 1.01 ? "missed (the whole interval is above 1.01)"
                        : "not settled (the interval straddles 1.01)";
            } else {
                met = ratio.covers(1.0) ? "met (the interval holds 1.00)" : "missed (the interval excludes 1.00)";
            }
            verdict.append(String.format(Locale.ROOT, "%n- %s, %s, %s: %s; interval %.2f %% wide, %s.",
                    row.container(), row.route(), row.request(), met, ratio.widthPercent(),
                    ratio.widthPercent() < 1 ? "narrower than 1 %" : "not narrower than 1 %"));
        }
        verdict.append("\n\nWhere a body misses 1.01, the filter's own work on the request thread is a few calls and")
                .append(" four objects (section 1), a fraction of a microsecond. Java Flight Recorder's execution samples")
                .append(" (1 ms, `-XX:+DebugNonSafepoints`) over the same run put no filter frame near the top on either")
                .append(" side, so the rest of the difference is time the request thread spends outside Java code (the")
                .append(" kernel's share of its reads and wake-ups), not yet told apart. What would close it: count the")
                .append(" request thread's system calls and context switches per request with and without the filter,")
                .append(" on a machine with hardware counters (`perf`).");
        return verdict.toString();
    }

    /** The target of section 3: the drain costs at most 2 % more CPU than the servlet's own read. */
    private static String drainVerdict(List<DrainLimit.Row> rows) {
        StringBuilder verdict = new StringBuilder("Target: drain / servlet at most 1.02.");
        for (DrainLimit.Row row : rows) {
            Stats ratio = row.drainOverRead();
            verdict.append(String.format(Locale.ROOT, "%n- %s, %d MiB: %s.", row.container(),
                    row.bodyBytes() / DrainLimit.MIB,
                    ratio.mean() + ratio.halfWidth() <= 1.02 ? "met (the whole interval is at most 1.02)"
                            : ratio.mean() - ratio.halfWidth() > 1.02 ? "missed (the whole interval is above 1.02)"
                            : "not settled (the interval straddles 1.02)"));
        }
        return verdict.toString();
    }

    private static void load(StringBuilder md) throws Exception {
        md.append("## 4. Load through nginx (wrk)\n\n")
                .append(String.format(Locale.ROOT, "`wrk -t2 -c%d -d%ds` with a Lua script that POSTs the body, ",
                        LoadThroughNginx.CONNECTIONS, WRK_SECONDS))
                .append("through nginx (default upstream settings) to the container with its defaults. ")
                .append(WRK_RUNS + " runs without and " + WRK_RUNS + " with the filter, interleaved; requests per ")
                .append("second are the mean of the runs, failures (non-2xx responses and socket errors) and ")
                .append("resets (nginx error.log reset lines) their sum.\n\n")
                .append("| Container | Servlet | Body | Without: req/s | failures | resets | With: req/s | failures ")
                .append("| resets | Ratio |\n|---|---|---|---|---|---|---|---|---|---|\n");
        List<Supplier<ServerController>> containers = List.of(JettyController::new, TomcatController::new);
        List<Double> readRatios = new ArrayList<>();
        for (Supplier<ServerController> container : containers) {
            for (String servlet : List.of("/ignore?bytes=2", "/read-all")) {
                for (int body : new int[] {64 * KIB, MIB}) {
                    List<LoadThroughNginx.Result> withoutRuns = new ArrayList<>();
                    List<LoadThroughNginx.Result> withRuns = new ArrayList<>();
                    for (int run = 0; run < WRK_RUNS; run++) {
                        withoutRuns.add(LoadThroughNginx.run(container.get(), false, servlet, body, WRK_SECONDS));
                        withRuns.add(LoadThroughNginx.run(container.get(), true, servlet, body, WRK_SECONDS));
                    }
                    LoadThroughNginx.Result without = LoadThroughNginx.Result.combine(withoutRuns);
                    LoadThroughNginx.Result with = LoadThroughNginx.Result.combine(withRuns);
                    double ratio = with.requestsPerSecond() / without.requestsPerSecond();
                    if (servlet.equals("/read-all")) {
                        readRatios.add(ratio);
                    }
                    md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %d | %d | %.0f | %d | %d | %.3f |%n",
                            container.get().name(), servlet.equals("/read-all") ? "reads the body" : "ignores the body",
                            body >= MIB ? body / MIB + " MiB" : body / KIB + " KiB", without.requestsPerSecond(),
                            without.failures(), without.resetLines(), with.requestsPerSecond(), with.failures(),
                            with.resetLines(), ratio));
                }
            }
        }
        double worst = readRatios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        md.append(String.format(Locale.ROOT, "%nFor a servlet that reads its body the target is a throughput ratio "
                + "with/without of at least 0.99. Worst here: %.3f, %s.%n%n", worst, worst >= 0.99 ? "met"
                : "missed in this run: nginx, wrk and the container share 2 noisy cores, and the same "
                        + "configuration moves by more than 1 % between runs (in both directions); longer and more "
                        + "runs, or a machine where the load generator has cores of its own, would tell the "
                        + "filter's share from the noise"));
        md.append("For a servlet that ignores the body, the figures without the filter are the failures this ")
                .append("project exists for; requests per second are not comparable across the two columns there, ")
                .append("since failed requests end early.\n\n");
    }

    private static String nginxVersion() throws Exception {
        Process process = new ProcessBuilder(Nginx.binary(), "-v").redirectErrorStream(true).start();
        String version = new String(process.getInputStream().readAllBytes()).trim();
        process.waitFor();
        return version.replace("nginx version: ", "");
    }
}
