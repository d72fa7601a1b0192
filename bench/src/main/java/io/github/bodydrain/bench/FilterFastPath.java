package io.github.bodydrain.bench;

import io.github.bodydrain.BodyDrainFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The filter's cost where there is nothing to drain, against the same chain without it: no body,
 * and a body the servlet has read to its end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FilterFastPath {

    /** {@code 0}: no body; otherwise a body of that many bytes, read by the servlet. */
    @Param({"0", "1000"})
    public long contentLength;

    private final BodyDrainFilter filter = new BodyDrainFilter();
    private final Stubs.Response response = new Stubs.Response();
    private Stubs.Request request;
    private Blackhole blackhole;
    private final byte[] buffer = new byte[64];

    /** The servlet: reads the body, if any, to its end. */
    private final FilterChain servlet = (req, res) -> {
        if (((HttpServletRequest) req).getContentLengthLong() > 0) {
            blackhole.consume(req.getInputStream().read(buffer));
        }
        blackhole.consume(res);
    };

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        this.blackhole = blackhole;
        request = new Stubs.Request(contentLength);
    }

    @Benchmark
    public void withoutFilter() throws IOException, ServletException {
        servlet.doFilter(request, response);
        request.recycle();
    }

    @Benchmark
    public void withFilter() throws IOException, ServletException {
        filter.doFilter(request, response, servlet);
        request.recycle();
    }
}
