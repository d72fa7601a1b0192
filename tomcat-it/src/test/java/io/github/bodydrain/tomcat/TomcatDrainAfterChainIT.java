package io.github.bodydrain.tomcat;

import io.github.bodydrain.it.RawExchange;
import io.github.bodydrain.it.RawExchange.Sending;
import io.github.bodydrain.it.TestServlets;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Why BodyDrainFilter drains before the commit: on Tomcat 11 a drain after {@code chain.doFilter}
 * returns is too late once the servlet has written its declared Content-Length, because Tomcat
 * closes the request input together with the response output. Tomcat 10.1 (run by tomcat10-it)
 * still lets such a drain read; the test states both, so a change in either shows.
 */
class TomcatDrainAfterChainIT {

    private final TomcatController server = new TomcatController();

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    /** The obvious filter, which this project is not. */
    static final class DrainAfterChainFilter implements Filter {
        final CompletableFuture<Object> outcome = new CompletableFuture<>();

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(request, response);
            try (InputStream in = request.getInputStream()) {
                outcome.complete(in.transferTo(OutputStream.nullOutputStream()));
            } catch (IOException e) {
                outcome.complete(e);
            }
        }
    }

    @Test
    void aDrainAfterTheChainFindsTheInputClosed() throws Exception {
        DrainAfterChainFilter filter = new DrainAfterChainFilter();
        int port = server.start(filter, Map.of("/ignore", TestServlets.ignoresBody()));

        RawExchange.post(port, "/ignore?bytes=2", 1024 * 1024, Sending.WHOLE_BODY_THEN_READ);

        Object outcome = filter.outcome.get(30, TimeUnit.SECONDS);
        if (ServerInfo.getServerNumber().startsWith("10.1.")) {
            assertEquals(1024L * 1024, outcome);
        } else {
            IOException e = assertInstanceOf(IOException.class, outcome, () -> "drained " + outcome + " bytes");
            assertEquals("Stream closed", e.getMessage());
        }
    }
}
