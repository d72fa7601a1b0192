package io.github.bodydrain;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;

/**
 * Drains before {@link #complete()}, which closes the response and, in Tomcat, the request input,
 * and on timeout and error. Where the container holds its own request and response, the
 * application is given the wrappers instead, so that its writes are seen; the application's
 * listeners get events that carry this context, so that {@code event.getAsyncContext().complete()}
 * drains too.
 */
final class DrainingAsyncContext implements AsyncContext {

    private final AsyncContext context;
    private final HttpServletRequest request;
    private final ServletRequest containersRequest;
    private final DrainingResponse response;
    private final RequestDrain drain;

    /**
     * Wraps the container's context for the filter's request and response wrappers; where the
     * container hands out its own request ({@code containersRequest}) or response, the wrappers
     * stand in for them.
     */
    DrainingAsyncContext(AsyncContext context, HttpServletRequest request, ServletRequest containersRequest,
            DrainingResponse response, RequestDrain drain) {
        this.context = context;
        this.request = request;
        this.containersRequest = containersRequest;
        this.response = response;
        this.drain = drain;
    }

    boolean wraps(AsyncContext candidate) {
        return context == candidate;
    }

    /** Registers the drain for the end of async processing; a restart re-registers it. */
    void listenForTheEnd() {
        context.addListener(new EndOfRequest(drain));
    }

    @Override
    public void complete() {
        drain.atEnd();
        context.complete();
    }

    @Override
    public ServletRequest getRequest() {
        return toWrapper(context.getRequest());
    }

    @Override
    public ServletResponse getResponse() {
        return toWrapper(context.getResponse());
    }

    private ServletRequest toWrapper(ServletRequest given) {
        return given != null && given == containersRequest ? request : given;
    }

    private ServletResponse toWrapper(ServletResponse given) {
        return given != null && given == response.containersResponse() ? response : given;
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return context.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
        context.dispatch();
    }

    @Override
    public void dispatch(String path) {
        context.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext servletContext, String path) {
        context.dispatch(servletContext, path);
    }

    @Override
    public void start(Runnable run) {
        context.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
        context.addListener(new ThroughThisContext(listener, this));
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest servletRequest, ServletResponse servletResponse) {
        context.addListener(new ThroughThisContext(listener, this), servletRequest, servletResponse);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
        return context.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
        context.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return context.getTimeout();
    }

    AsyncEvent translate(AsyncEvent event) {
        // After a restart the container may hand out another context: wrap that one.
        AsyncContext current = wraps(event.getAsyncContext()) ? this : request.getAsyncContext();
        return new AsyncEvent(current, toWrapper(event.getSuppliedRequest()), toWrapper(event.getSuppliedResponse()),
                event.getThrowable());
    }

    /** Drains when async processing times out, fails or completes without {@link #complete()}. */
    private static final class EndOfRequest implements AsyncListener {
        private final RequestDrain drain;

        EndOfRequest(RequestDrain drain) {
            this.drain = drain;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            drain.atEnd();
        }

        @Override
        public void onError(AsyncEvent event) {
            drain.atEnd();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            // Completed by the container, after a timeout nobody handled: whatever is left can
            // only be read as far as it has arrived.
            drain.atEnd();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A restarted AsyncContext drops its listeners: the drain must hear the new end.
            event.getAsyncContext().addListener(this);
        }
    }

    /** An application's listener, given events that carry the draining context. */
    private static final class ThroughThisContext implements AsyncListener {
        private final AsyncListener listener;
        private final DrainingAsyncContext context;

        ThroughThisContext(AsyncListener listener, DrainingAsyncContext context) {
            this.listener = listener;
            this.context = context;
        }

        @Override
        public void onComplete(AsyncEvent event) throws IOException {
            listener.onComplete(context.translate(event));
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            listener.onTimeout(context.translate(event));
        }

        @Override
        public void onError(AsyncEvent event) throws IOException {
            listener.onError(context.translate(event));
        }

        @Override
        public void onStartAsync(AsyncEvent event) throws IOException {
            listener.onStartAsync(context.translate(event));
        }
    }
}
