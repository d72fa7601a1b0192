package io.github.bodydrain.it;

import java.util.List;

/** One servlet behaviour behind nginx: what the client asks and what status it must get back. */
public record Scenario(String name, String path, int status) {

    /** A response larger than any container's buffer, as a real page or JSON list is. */
    public static final int LARGE_RESPONSE = 600_000;

    public static final Scenario IGNORE_SMALL = new Scenario("ignores body, 2 B response", "/ignore?bytes=2", 200);
    public static final Scenario IGNORE_LARGE = new Scenario("ignores body, 600 kB response",
            "/ignore?bytes=" + LARGE_RESPONSE, 200);
    public static final Scenario STATUS_401 = new Scenario("setStatus(401)", "/status?status=401", 401);
    public static final Scenario EXCEPTION = new Scenario("exception -> 500", "/throw", 500);

    /** Every servlet behaviour the proof covers; each servlet never reads the body unless its name says so. */
    public static final List<Scenario> ALL = List.of(
            IGNORE_SMALL,
            IGNORE_LARGE,
            STATUS_401,
            new Scenario("setStatus(413)", "/status?status=413", 413),
            new Scenario("sendError(413)", "/send-error?status=413", 413),
            EXCEPTION,
            new Scenario("async, completes from another thread", "/async?bytes=" + LARGE_RESPONSE, 200),
            new Scenario("reads half the body", "/read-half?bytes=" + LARGE_RESPONSE, 200),
            new Scenario("reads a few chars with getReader()", "/reader?bytes=" + LARGE_RESPONSE, 200),
            new Scenario("closes its output stream", "/close-output?bytes=" + LARGE_RESPONSE, 200));
}
