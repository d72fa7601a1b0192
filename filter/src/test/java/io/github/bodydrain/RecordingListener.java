package io.github.bodydrain;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An application's async listener that notes what it heard, and keeps the events. */
public final class RecordingListener implements AsyncListener {
    final List<String> heard = new CopyOnWriteArrayList<>();
    final List<AsyncEvent> events = new CopyOnWriteArrayList<>();

    private void note(String what, AsyncEvent event) {
        heard.add(what);
        events.add(event);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        note("onComplete", event);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        note("onTimeout", event);
    }

    @Override
    public void onError(AsyncEvent event) {
        note("onError", event);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        note("onStartAsync", event);
    }
}
